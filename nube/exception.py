"""nube's exceptions. ``code`` is the HTTP status the API maps them to."""


class NubeException(Exception):
    msg_fmt = 'An unknown error occurred.'
    code = 500

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError):
                message = self.msg_fmt
        self.message = str(message)
        super().__init__(self.message)


class Invalid(NubeException):
    msg_fmt = 'Invalid input: %(reason)s'
    code = 400


class ValidationError(Invalid):
    msg_fmt = 'Invalid input for field/attribute %(field)s: %(reason)s'


class NotFound(NubeException):
    msg_fmt = 'Resource could not be found.'
    code = 404


class Forbidden(NubeException):
    msg_fmt = 'Policy does not allow this action.'
    code = 403


class Conflict(NubeException):
    msg_fmt = 'There was a conflict with the current state of the resource.'
    code = 409


class OverQuota(NubeException):
    msg_fmt = 'Quota exceeded for %(resources)s.'
    code = 403


class InstanceNotFound(NotFound):
    msg_fmt = 'Instance %(instance_id)s could not be found.'


class FlavorNotFound(NotFound):
    msg_fmt = 'Flavor %(flavor_id)s could not be found.'


class FlavorExists(Conflict):
    msg_fmt = 'Flavor with %(field)s %(value)s already exists.'


class FlavorExtraSpecNotFound(NotFound):
    msg_fmt = 'Flavor %(flavor_id)s has no extra spec with key %(key)s.'


class ImageNotFound(NotFound):
    msg_fmt = 'Image %(image_id)s could not be found.'


class ComputeHostNotFound(NotFound):
    msg_fmt = 'Compute host %(host)s could not be found.'


class ServiceNotFound(NotFound):
    msg_fmt = 'Service %(service_id)s could not be found.'


class CellMappingNotFound(NotFound):
    msg_fmt = 'Cell %(uuid)s has no mapping.'


class InstanceMappingNotFound(NotFound):
    msg_fmt = 'Instance %(uuid)s has no mapping to a cell.'


class InstanceInvalidState(Conflict):
    msg_fmt = ('Cannot \'%(action)s\' instance %(instance_uuid)s while it is '
               'in %(attr)s %(state)s')


class UnexpectedTaskState(Conflict):
    msg_fmt = ('Conflict updating instance %(instance_uuid)s. Expected '
               'task_state %(expected)s, actual %(actual)s')


# Someone else owns the instance now (deleted, or its task state moved on):
# an answer to the caller, which backs off, not a failure.
INSTANCE_MOVED_ON = (InstanceNotFound, UnexpectedTaskState,
                     InstanceInvalidState)


class NoValidHost(NubeException):
    msg_fmt = 'No valid host was found. %(reason)s'


class ClaimFailed(NubeException):
    msg_fmt = 'Claim on host %(host)s failed: %(reason)s'


class NoMoreFixedIps(NubeException):
    msg_fmt = 'No fixed IP addresses left in %(cidr)s.'


class BuildAbortException(NubeException):
    msg_fmt = 'Build of instance %(instance_uuid)s aborted: %(reason)s'


class RescheduledException(NubeException):
    msg_fmt = 'Build of instance %(instance_uuid)s failed: %(reason)s'


class VirtDriverError(NubeException):
    msg_fmt = 'Virt driver error: %(reason)s'


class MarkerNotFound(Invalid):
    msg_fmt = 'Marker %(marker)s could not be found.'


class ImageNotActive(Invalid):
    msg_fmt = 'Image %(image_id)s is not active.'


class ImageUnacceptable(Invalid):
    msg_fmt = 'Image %(image_id)s is unacceptable: %(reason)s'


class ImageServiceError(NubeException):
    msg_fmt = 'Image service error: %(reason)s'
    code = 503


class ImageDownloadFailed(NubeException):
    msg_fmt = 'Download of image %(image_id)s failed: %(reason)s'


class InstanceNotReady(Conflict):
    msg_fmt = 'Instance %(instance_id)s is not ready'


class ComputeServiceUnavailable(NubeException):
    msg_fmt = 'Compute service of %(host)s is unavailable at this time.'
    code = 503


class PolicyNotAuthorized(Forbidden):
    msg_fmt = "Policy doesn't allow %(action)s to be performed."


class InstanceIsLocked(Conflict):
    msg_fmt = 'Instance %(instance_uuid)s is locked'


class MetadataLimitExceeded(OverQuota):
    msg_fmt = 'Maximum number of metadata items exceeds %(allowed)d'


class KeypairNotFound(NotFound):
    msg_fmt = 'Keypair %(name)s not found for user %(user_id)s'


class KeyPairExists(Conflict):
    msg_fmt = "Key pair '%(key_name)s' already exists."


class InvalidKeypair(Invalid):
    msg_fmt = 'Keypair data is invalid: %(reason)s'


class KeypairLimitExceeded(OverQuota):
    msg_fmt = 'Quota exceeded, too many key pairs.'


class InterfaceAttachFailed(NubeException):
    msg_fmt = 'Failed to attach network adapter device to %(instance_uuid)s'


class InterfaceDetachFailed(NubeException):
    msg_fmt = 'Failed to detach network adapter device from %(instance_uuid)s'
