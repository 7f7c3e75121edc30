"""Who may see and change images and memberships (Glance's default rules).

Visibility:
  public     everyone sees it; only admins may make an image public
  community  everyone may see and use it, but lists show it only when
             asked for (visibility=community) or to its owner
  shared     the owner and the projects it is shared with (members, any
             member status; lists show it to members who accepted)
  private    the owner only
Admins see everything. Only the owner (or an admin) changes an image or
its member list; only the member itself (or an admin) sets its status.
The registry applies the same visibility rules in SQL for lists.

On top of visibility, the roles decide through oslo.policy (Glance's rule
names, defaults in nube/policies/images.py and image_members.py): readers
read, members change, admins do everything. As in Glance, a refusal is a
404 when the caller may not even ``get_image`` the image, else a 403.
"""

from nube import exception
from nube import policy as nube_policy


def target(ctxt, image, member_id=None):
    """The policy target of an image: its owner, visibility and, for a
    shared image someone else sees, the caller's project as member (the
    registry shows shared images only to the owner and to members)."""
    if member_id is None and image.get('visibility') == 'shared' and \
            not is_owner(ctxt, image):
        member_id = ctxt.project_id
    return {'project_id': image.get('owner'), 'owner': image.get('owner'),
            'visibility': image.get('visibility'), 'member_id': member_id}


def _not_found(image):
    return exception.ImageNotFound(
        message='No image found with ID %s' % image.get('id'))


def enforce(ctxt, rule, image, member_id=None, action=None):
    """Raise unless the policy allows ``rule`` on ``image``."""
    image_target = target(ctxt, image, member_id)
    if nube_policy.authorize(ctxt, rule, image_target, fatal=False):
        return
    if rule != 'get_image' and not nube_policy.authorize(
            ctxt, 'get_image', target(ctxt, image), fatal=False):
        raise _not_found(image)
    if rule == 'get_image':
        raise _not_found(image)
    raise exception.Forbidden('You are not authorized to complete %s '
                              'action.' % (action or rule))


def check_read(ctxt, image):
    """get_image: a caller without a reading role does not see it."""
    enforce(ctxt, 'get_image', image)


def check_list(ctxt):
    if not nube_policy.authorize(ctxt, 'get_images', fatal=False):
        raise exception.Forbidden('You are not authorized to complete '
                                  'get_images action.')


def check_create(ctxt, owner):
    if not nube_policy.authorize(ctxt, 'add_image',
                                 {'project_id': owner, 'owner': owner},
                                 fatal=False):
        raise exception.Forbidden('You are not authorized to complete '
                                  'add_image action.')


def is_service(ctxt):
    """A nube service calling with its own credentials (no user)."""
    return not ctxt.is_admin and nube_policy.authorize(
        ctxt, 'service_api', fatal=False)


def is_owner(ctxt, image):
    return image.get('owner') is not None and \
        ctxt.project_id == image['owner']


def can_see(ctxt, image, member=None):
    """``member``: ctxt's membership of the image (a dict) or None."""
    if ctxt.is_admin or is_owner(ctxt, image):
        return True
    visibility = image['visibility']
    if visibility in ('public', 'community'):
        return True
    if visibility == 'shared':
        return member is not None and \
            member.get('member_id') == ctxt.project_id
    return False


def listed_by_default(ctxt, image, member=None):
    """Does an unfiltered list show the image (community and unaccepted
    shares stay out)?"""
    if image['visibility'] == 'community':
        return is_owner(ctxt, image)
    if ctxt.is_admin or is_owner(ctxt, image):
        return True
    if image['visibility'] == 'shared':
        return member is not None and member.get('status') == 'accepted' \
            and member.get('member_id') == ctxt.project_id
    return image['visibility'] == 'public'


# Actions whose rule is another one's (Glance checks these the same way).
_RULES = {'import_image': 'modify_image', 'add_tag': 'modify_image',
          'delete_tag': 'modify_image'}


def check_modify(ctxt, image, action='modify_image'):
    if not (ctxt.is_admin or is_owner(ctxt, image)):
        raise exception.Forbidden('You are not authorized to complete %s '
                                  'action.' % action)
    enforce(ctxt, _RULES.get(action, action), image, action=action)


def check_visibility(ctxt, visibility, image=None):
    """Making an image public is for admins (publicize_image), community
    for its owner's members (communitize_image)."""
    if visibility == 'public' and not ctxt.is_admin:
        raise exception.Forbidden('You are not authorized to complete '
                                  'publicize_image action.')
    rule = {'public': 'publicize_image',
            'community': 'communitize_image'}.get(visibility)
    if rule is not None:
        subject = image or {'owner': ctxt.project_id,
                            'visibility': visibility}
        enforce(ctxt, rule, subject)


def check_owner_value(ctxt, owner):
    """Only admins create or move images for another project."""
    if not ctxt.is_admin and owner != ctxt.project_id:
        raise exception.Forbidden("You are not permitted to create images "
                                  "owned by '%s'." % owner)


def check_sharable(image):
    if image['visibility'] != 'shared':
        raise exception.Forbidden('Only shared images have members.')


def check_manage_members(ctxt, image, action='add_member'):
    """Adding or removing members: the owner or an admin."""
    check_sharable(image)
    if not (ctxt.is_admin or is_owner(ctxt, image)):
        raise exception.Forbidden('You are not authorized to complete '
                                  '%s action.' % action)
    enforce(ctxt, action, image)


def check_read_members(ctxt, image, action='get_members'):
    """Reading the member list (or one member): a reader of the owner or
    of a member project."""
    enforce(ctxt, action, image)


def check_member_status_change(ctxt, image, member_id):
    """Accepting or rejecting a share: the member itself (or an admin)."""
    check_sharable(image)
    if not (ctxt.is_admin or ctxt.project_id == member_id):
        raise exception.Forbidden("You are not permitted to modify "
                                  "'status' on this image member.")
    enforce(ctxt, 'modify_member', image, member_id=member_id)


def visible_members(ctxt, image, members):
    """The owner and admins see every member; a member sees itself."""
    if ctxt.is_admin or is_owner(ctxt, image):
        return members
    return [m for m in members if m['member_id'] == ctxt.project_id]


def check_download(ctxt, image):
    enforce(ctxt, 'download_image', image)
    if image['status'] == 'deactivated' and not ctxt.is_admin:
        raise exception.Forbidden('The requested image has been '
                                  'deactivated. Image data download is '
                                  'forbidden.')
