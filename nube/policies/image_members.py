"""Glance's image member rules: owners share, members accept or reject.

Target as for the image rules: ``project_id`` is the image's owner and
``member_id`` the project whose membership is read or changed.
"""

from oslo_policy import policy

from nube.policies import base

_MEMBERS = '/v2/images/{image_id}/members'
OWNER = 'rule:context_is_admin or rule:project_member_api'
OWNER_OR_MEMBER_READER = (
    'rule:context_is_admin or ((role:reader or role:member) and '
    '(project_id:%(project_id)s or project_id:%(member_id)s))')
SHARED_MEMBER = ('rule:context_is_admin or '
                 '(role:member and project_id:%(member_id)s)')


def _rule(name, check, description, method, path):
    return policy.DocumentedRuleDefault(
        name=name, check_str=check, description=description,
        operations=[{'method': method, 'path': path}],
        scope_types=base.PROJECT_SCOPE)


rules = [
    _rule('add_member', OWNER, 'Share an image with a project', 'POST',
          _MEMBERS),
    _rule('delete_member', OWNER, 'Stop sharing an image with a project',
          'DELETE', _MEMBERS + '/{member_id}'),
    _rule('get_members', OWNER_OR_MEMBER_READER, 'List image members',
          'GET', _MEMBERS),
    _rule('get_member', OWNER_OR_MEMBER_READER, 'Show an image member',
          'GET', _MEMBERS + '/{member_id}'),
    _rule('modify_member', SHARED_MEMBER,
          'Accept or reject an image shared with one\'s project', 'PUT',
          _MEMBERS + '/{member_id}'),
]


def list_rules():
    return rules
