"""Server create with a key_name: the real facade looks the caller's key
pair up in the API DB (SQLite) and stores its name and public key on the
instance; an unknown key is Nova's 400."""

import json

import pytest
import webob

from nube.api import app as api_app
from nube.compute import api as compute_api
from nube.compute import keypairs
from nube.db import migration
from nube.db.api import api as api_db
from nube.image import client
from tests.unit.api import fakes
from tests.unit.image import standin


@pytest.fixture
def cloud(tmp_path):
    db = api_db.ApiDatabase('sqlite:///%s' % (tmp_path / 'api.db'))
    migration.db_sync(db, 'api')
    db.flavor_create({'flavorid': 'small', 'name': 'small',
                      'memory_mb': 256, 'vcpus': 1, 'root_gb': 1})
    with standin.serving() as image_api:
        facade = compute_api.API(db=db, image_api=client.API())
        facade._scheduler = fakes.RecordingSchedulerAPI()
        app = api_app.create_app(compute_api=facade,
                                 host_api=fakes.FakeHostAPI(), db=db)
        yield db, app, facade, image_api.add(b'disk')['id']
    db.dispose()


def _boot(app, image_id, key_name, token='alice:demo'):
    body = {'server': {'name': 'vm', 'imageRef': image_id,
                       'flavorRef': 'small', 'key_name': key_name}}
    req = webob.Request.blank('/v2.1/servers', method='POST', headers={
        'X-Auth-Token': token, 'Content-Type': 'application/json'})
    req.body = json.dumps(body).encode()
    resp = req.get_response(app)
    return resp.status_int, json.loads(resp.body)


def test_boot_with_own_keypair_stores_name_and_key(cloud):
    db, app, facade, image_id = cloud
    keypair, _private = keypairs.KeypairAPI(db).create_key_pair('alice',
                                                                'mykey')
    status, body = _boot(app, image_id, 'mykey')
    assert status == 202, body
    instance = facade._scheduler.casts[0][0]['instance']
    assert instance['key_name'] == 'mykey'
    assert instance['key_data'] == keypair['public_key']
    # The build request keeps it for GET /servers/{id} before scheduling.
    assert facade.db.build_request_get(body['server']['id'])[
        'key_name'] == 'mykey'


def test_boot_with_unknown_or_other_users_key_is_400(cloud):
    db, app, facade, image_id = cloud
    keypairs.KeypairAPI(db).create_key_pair('bob', 'bobs')
    for name in ('missing', 'bobs'):
        status, body = _boot(app, image_id, name)
        assert (status, body['badRequest']['message']) == (
            400, 'Invalid key_name provided.')
    assert facade._scheduler.casts == []
