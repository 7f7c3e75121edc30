"""Request context: who asks, carried through the API, RPC and DB layers."""

from oslo_context import context as o_context


class RequestContext(o_context.RequestContext):
    """oslo.context plus the few fields nube needs across RPC."""

    def __init__(self, user_id=None, project_id=None, is_admin=None,
                 roles=None, read_deleted='no', **kwargs):
        kwargs.setdefault('user_id', user_id)
        kwargs.setdefault('project_id', project_id)
        roles = list(roles or [])
        if is_admin is None:
            is_admin = 'admin' in roles
        super().__init__(is_admin=is_admin, roles=roles, **kwargs)
        self.read_deleted = read_deleted

    def to_dict(self):
        values = super().to_dict()
        values['read_deleted'] = self.read_deleted
        return values

    @classmethod
    def from_dict(cls, values):
        return cls(user_id=values.get('user'),
                   project_id=values.get('project_id') or values.get('tenant'),
                   is_admin=values.get('is_admin'),
                   roles=values.get('roles'),
                   read_deleted=values.get('read_deleted', 'no'),
                   request_id=values.get('request_id'),
                   global_request_id=values.get('global_request_id'),
                   auth_token=values.get('auth_token'))

    def elevated(self):
        ctx = self.from_dict(self.to_dict())
        ctx.is_admin = True
        if 'admin' not in ctx.roles:
            ctx.roles.append('admin')
        return ctx


def get_admin_context():
    return RequestContext(is_admin=True, roles=['admin'], overwrite=False)
