"""Stand-in image client for computes: metadata without a download.

The image service work replaces this with a client that talks to the image
API over HTTP and fills ``local_path`` from the compute's image cache.
"""


class API:
    def get_meta(self, context, image_ref):
        """Image metadata in the shape virt drivers take for spawn."""
        return {'id': image_ref, 'properties': {}, 'local_path': None,
                'disk_format': 'qcow2', 'container_format': 'bare'}
