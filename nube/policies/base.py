"""Rules the others are built from: who is an admin, a member, a reader.

nube-identity does not imply roles (Keystone makes admin imply member and
member imply reader), so the reader rule names member too: with either
identity service a member can do what a reader can.
"""

from oslo_policy import policy

ADMIN = 'rule:context_is_admin'
PROJECT_MEMBER = 'rule:project_member_api'
PROJECT_READER = 'rule:project_reader_api'
PROJECT_MEMBER_OR_ADMIN = 'rule:project_member_or_admin'
PROJECT_READER_OR_ADMIN = 'rule:project_reader_or_admin'
SERVICE = 'rule:service_api'
ANY = '@'

# The compute API's and the image API's rules only apply to project-scoped
# tokens (the only kind nube-identity issues).
PROJECT_SCOPE = ['project']

rules = [
    policy.RuleDefault(
        'context_is_admin', 'role:admin',
        description='Who is an administrator: such callers see and act on '
                    'every project\'s resources.'),
    policy.RuleDefault(
        'project_member_api', 'role:member and project_id:%(project_id)s',
        description='A member of the project that owns the resource.'),
    policy.RuleDefault(
        'project_reader_api',
        '(role:reader or role:member) and project_id:%(project_id)s',
        description='A reader (or member) of the project that owns the '
                    'resource.'),
    policy.RuleDefault(
        'project_member_or_admin',
        'rule:project_member_api or rule:context_is_admin',
        description='Default for changing a project\'s resources.'),
    policy.RuleDefault(
        'project_reader_or_admin',
        'rule:project_reader_api or rule:context_is_admin',
        description='Default for reading a project\'s resources.'),
    policy.RuleDefault(
        'service_api', 'role:service',
        description='Other nube services calling with their own service '
                    'user credentials (computes reading images).'),
]


def list_rules():
    return rules
