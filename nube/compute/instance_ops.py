"""Lock/unlock, server metadata and rebuild for the compute API facade.

A mixin of nube.compute.api.API (it uses ``_locate``, ``_get_image``, ...);
kept apart from that module so the boot, list and power paths stay
readable. The lock and the metadata live in the cell DB only; a rebuild
is cast to the server's compute.
"""

from nube.cells import targeting
from nube.compute import limits
from nube.compute import states
import nube.conf
from nube.db.cell import metadata as metadata_db
from nube import exception

CONF = nube.conf.CONF

# Where Nova lets the metadata of a server change (task_state None).
METADATA_VM_STATES = (states.ACTIVE, states.PAUSED, states.SUSPENDED,
                      states.STOPPED)


def is_expected_locked_by(ctxt, instance):
    """False when the lock was set by the other party (owner vs admin),
    so unlocking it needs the unlock_override rule."""
    is_owner = instance['project_id'] == ctxt.project_id
    locked_by = instance.get('locked_by')
    return not locked_by or locked_by == ('owner' if is_owner else 'admin')


class InstanceOpsMixin:

    def _cell_instance(self, ctxt, server_id, action):
        """(cell_db, instance) of a server a cell holds (cell0 too).

        A server still being scheduled has no row to change yet: 409 as
        Nova's state check answers for vm_state building.
        """
        _mapping, cell = self._locate(ctxt, server_id)
        if cell is None:
            raise exception.InstanceInvalidState(
                action=action, instance_uuid=server_id, attr='vm_state',
                state=states.BUILDING)
        cell_db = targeting.cell_database(cell)
        return cell_db, cell_db.instance_get(server_id, joins=False)

    # -- lock ---------------------------------------------------------------

    def lock(self, ctxt, server_id):
        """Lock: non-admins may then not act on the server. An admin's
        lock is recorded as such even on a server the owner locked."""
        cell_db, instance = self._cell_instance(ctxt, server_id, 'lock')
        is_owner = instance['project_id'] == ctxt.project_id
        if instance['locked'] and is_owner:
            return
        cell_db.instance_update(
            server_id, {'locked': True,
                        'locked_by': 'owner' if is_owner else 'admin'},
            joins=False)

    def unlock(self, ctxt, server_id):
        cell_db, _instance = self._cell_instance(ctxt, server_id, 'unlock')
        cell_db.instance_update(server_id,
                                {'locked': False, 'locked_by': None},
                                joins=False)

    # -- metadata -------------------------------------------------------------

    def get_instance_metadata(self, ctxt, server_id):
        return dict(self.get(ctxt, server_id).get('metadata') or {})

    def _check_metadata_change(self, ctxt, server_id, action):
        cell_db, instance = self._cell_instance(ctxt, server_id, action)
        self._check_not_locked(ctxt, instance)
        self._check_state(instance, action, METADATA_VM_STATES, (None,))
        return cell_db

    def update_instance_metadata(self, ctxt, server_id, metadata,
                                 delete=False):
        """Merge (or with ``delete`` replace) the metadata; the result."""
        cell_db = self._check_metadata_change(ctxt, server_id,
                                              'update metadata')
        # The project's quota (Nova's metadata_items), checked with the
        # merge in the cell DB's transaction.
        return metadata_db.metadata_update(
            cell_db, server_id, metadata, delete=delete,
            limit=limits.metadata_limit(self.db, ctxt))

    def delete_instance_metadata(self, ctxt, server_id, key):
        cell_db = self._check_metadata_change(ctxt, server_id,
                                              'delete metadata')
        metadata_db.metadata_delete(cell_db, server_id, key)

    # -- rebuild --------------------------------------------------------------

    REBUILD_VM_STATES = (states.ACTIVE, states.STOPPED, states.ERROR)

    def rebuild(self, ctxt, server_id, image_ref, updates):
        """Point the server at a new image (plus ``updates``: display_name,
        metadata, ...), task_state rebuilding, and cast to its compute,
        which destroys the guest and spawns it again on the same host with
        the same addresses. Returns the instance as updated."""
        cell, cell_db, instance = self._instance_on_host(ctxt, server_id)
        self._check_not_locked(ctxt, instance)
        self._check_state(instance, 'rebuild', self.REBUILD_VM_STATES,
                          (None,))
        image = self._get_image(ctxt, image_ref)
        self._check_image_fits(image, instance['flavor'] or instance)
        limits.check_metadata(updates.get('metadata'), self.db, ctxt)
        properties = image.get('properties') or {}
        values = dict(updates, task_state=states.REBUILDING, progress=0,
                      image_ref=image['id'],
                      kernel_id=properties.get('kernel_id'),
                      ramdisk_id=properties.get('ramdisk_id'))
        orig_vm_state = instance['vm_state']
        try:
            instance = cell_db.instance_update(
                server_id, values, expected_task_state=[None],
                expected_vm_state=list(self.REBUILD_VM_STATES),
                deadline=CONF.conductor.spawning_timeout)
        except (exception.UnexpectedTaskState,
                exception.InstanceInvalidState):
            current = cell_db.instance_get(server_id, joins=False)
            self._check_state(current, 'rebuild', self.REBUILD_VM_STATES,
                              (None,))
            raise
        instance['network_label'] = CONF.network.label
        self._compute_apis.for_cell(cell).rebuild_instance(
            ctxt, instance['host'], instance, orig_vm_state)
        return instance
