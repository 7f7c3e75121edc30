"""Rendering of Listing/Record results in every output format."""

import argparse
import json

import pytest
import yaml

from nube.cli import output


def _args(fmt='table', columns=(), sort=(), desc=False):
    return argparse.Namespace(output_format=fmt, columns=list(columns),
                              sort_column=list(sort), sort_descending=desc)


LISTING = output.Listing(
    ['ID', 'Name', 'Networks'],
    [['b', 'two', {'private': ['10.0.0.4']}],
     ['a', 'one', {}]],
    formatters={'Networks': lambda v: ';'.join(
        '%s=%s' % (k, ','.join(a)) for k, a in sorted(v.items()))})


def test_format_value_shapes():
    assert output.format_value(None) == 'None'
    assert output.format_value(True) == 'True'
    assert output.format_value(['a', 'b']) == 'a, b'
    assert output.format_value({'b': 1, 'a': 'x'}) == 'a=x, b=1'
    assert output.format_value({'a': {'nested': 1}}) == \
        '{"a": {"nested": 1}}'
    assert output.format_value(3) == '3'


def test_table_listing_uses_formatters():
    text = output.render(LISTING, _args())
    lines = text.splitlines()
    assert lines[1].split('|')[1:4] == [' ID ', ' Name ',
                                        ' Networks         ']
    assert 'private=10.0.0.4' in text


def test_json_listing_keeps_raw_values():
    data = json.loads(output.render(LISTING, _args('json')))
    assert data == [
        {'ID': 'b', 'Name': 'two', 'Networks': {'private': ['10.0.0.4']}},
        {'ID': 'a', 'Name': 'one', 'Networks': {}}]


def test_yaml_listing():
    data = yaml.safe_load(output.render(LISTING, _args('yaml')))
    assert data[0]['Networks'] == {'private': ['10.0.0.4']}


def test_value_listing_with_columns_case_insensitive():
    text = output.render(LISTING, _args('value', columns=['name', 'ID']))
    assert text.splitlines() == ['two b', 'one a']


def test_sort_column():
    text = output.render(LISTING, _args('value', columns=['ID'],
                                        sort=['Name']))
    assert text.splitlines() == ['a', 'b']
    text = output.render(LISTING, _args('value', columns=['ID'],
                                        sort=['Name'], desc=True))
    assert text.splitlines() == ['b', 'a']


def test_sort_mixed_values_with_none():
    listing = output.Listing(['N'], [[3], [None], [10], ['x']])
    text = output.render(listing, _args('value', sort=['N']))
    assert text.splitlines() == ['None', '3', '10', 'x']


def test_unknown_column_is_an_error():
    with pytest.raises(output.ColumnError) as exc:
        output.render(LISTING, _args(columns=['Nope']))
    assert 'ID, Name, Networks' in str(exc.value)


def test_record_table_sorted_fields():
    rec = output.Record({'name': 'x', 'id': '1', 'tags': ['a', 'b']})
    lines = output.render(rec, _args()).splitlines()
    assert [line.split('|')[1].strip() for line in lines[3:6]] == [
        'id', 'name', 'tags']
    assert 'a, b' in lines[5]


def test_record_json_and_value_with_column():
    rec = output.Record({'name': 'x', 'id': '1', 'size': None})
    assert json.loads(output.render(rec, _args('json'))) == {
        'id': '1', 'name': 'x', 'size': None}
    assert output.render(rec, _args('value', columns=['id'])) == '1'
    assert json.loads(output.render(rec, _args('json', ['size']))) == {
        'size': None}


def test_key_value():
    assert output.key_value('a=b=c') == ('a', 'b=c')
    assert output.key_value('a=') == ('a', '')
    for bad in ('a', '=b'):
        with pytest.raises(argparse.ArgumentTypeError):
            output.key_value(bad)
