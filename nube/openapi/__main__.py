"""nube-openapi / python -m nube.openapi: print or write an API's
OpenAPI 3.1 document (JSON)."""

import argparse
import json
import sys
import warnings

from nube import openapi

# The handlers import oslo.service, which imports eventlet: its import
# warning is no news to someone asking for a document.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
warnings.filterwarnings('ignore', message=r'DSA is deprecated')


def _parse(argv):
    parser = argparse.ArgumentParser(
        prog='nube-openapi',
        description='Write the OpenAPI 3.1 document of a nube API.')
    parser.add_argument('--api', required=True, choices=openapi.APIS)
    parser.add_argument('--microversion', metavar='2.X',
                        help='compute only: the microversion to describe '
                             '(default: the newest)')
    parser.add_argument('-o', '--output', metavar='FILE',
                        help='write here instead of standard output')
    return parser.parse_args(argv)


def main(argv=None):
    args = _parse(sys.argv[1:] if argv is None else argv)
    try:
        doc = openapi.build(args.api, microversion=args.microversion)
    except ValueError as exc:
        print('nube-openapi: %s' % exc, file=sys.stderr)
        return 2
    text = json.dumps(doc, indent=2, sort_keys=True) + '\n'
    if args.output:
        with open(args.output, 'w') as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
