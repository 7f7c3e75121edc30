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
"""

from nube import exception


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


def check_modify(ctxt, image, action='modify_image'):
    if not (ctxt.is_admin or is_owner(ctxt, image)):
        raise exception.Forbidden('You are not authorized to complete %s '
                                  'action.' % action)


def check_visibility(ctxt, visibility):
    """Making an image public is for admins (publicize_image)."""
    if visibility == 'public' and not ctxt.is_admin:
        raise exception.Forbidden('You are not authorized to complete '
                                  'publicize_image action.')


def check_owner_value(ctxt, owner):
    """Only admins create or move images for another project."""
    if not ctxt.is_admin and owner != ctxt.project_id:
        raise exception.Forbidden("You are not permitted to create images "
                                  "owned by '%s'." % owner)


def check_sharable(image):
    if image['visibility'] != 'shared':
        raise exception.Forbidden('Only shared images have members.')


def check_manage_members(ctxt, image):
    """Adding or removing members: the owner or an admin."""
    check_sharable(image)
    if not (ctxt.is_admin or is_owner(ctxt, image)):
        raise exception.Forbidden('You are not authorized to complete '
                                  'add_member action.')


def check_member_status_change(ctxt, image, member_id):
    """Accepting or rejecting a share: the member itself (or an admin)."""
    check_sharable(image)
    if not (ctxt.is_admin or ctxt.project_id == member_id):
        raise exception.Forbidden("You are not permitted to modify "
                                  "'status' on this image member.")


def visible_members(ctxt, image, members):
    """The owner and admins see every member; a member sees itself."""
    if ctxt.is_admin or is_owner(ctxt, image):
        return members
    return [m for m in members if m['member_id'] == ctxt.project_id]


def check_download(ctxt, image):
    if image['status'] == 'deactivated' and not ctxt.is_admin:
        raise exception.Forbidden('The requested image has been '
                                  'deactivated. Image data download is '
                                  'forbidden.')
