"""Container images as the OCI image specification defines them: layers, config, manifest.

An image is a stack of read-only **layers** (each a file-system change set, stored as a tar
archive), a **config** (the command to run, environment, the layer list) and a **manifest**
that points to the config and the layers by **digest**: the SHA-256 of their bytes. Because
content is named by its digest, two images built on the same base layers share them: a host
stores and pulls each layer once. A running container adds one thin writable layer on top
(overlayfs's *upper* directory); everything it changes lands there, so the image stays intact.

The layers here are small stand-ins: their "bytes" are a line of text and their sizes are
illustrative teaching assumptions, not measurements. The digests and the manifest's shape are
real: :meth:`Image.manifest` follows the OCI image-manifest schema (schemaVersion 2, the OCI
media types), and a digest is ``sha256:`` plus the hex SHA-256 of the exact bytes it names.
(Real registries compute layer digests over the *compressed* tar; the config lists the
uncompressed ones as ``diff_ids``.)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"


def digest_of(content: bytes) -> str:
    """The OCI digest of some bytes: ``sha256:<64 hex digits>``."""
    return "sha256:" + hashlib.sha256(content).hexdigest()


def _canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Layer:
    """One read-only layer: what it adds, its (illustrative) size, and its digest."""

    name: str
    size_mb: float
    adds: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("A layer needs a name, such as 'debian base'.")
        if isinstance(self.size_mb, bool) or not isinstance(self.size_mb, (int, float)):
            raise ValueError(f"Layer {self.name!r}: size_mb must be a number.")
        if self.size_mb < 0:
            raise ValueError(f"Layer {self.name!r}: size_mb must be >= 0, got {self.size_mb}.")

    @property
    def content(self) -> bytes:
        """The stand-in bytes of this layer (a real layer is a tar archive)."""
        return f"{self.name}\n{self.adds}\n".encode()

    @property
    def digest(self) -> str:
        return digest_of(self.content)

    @property
    def short(self) -> str:
        """The first 12 hex digits of the digest, as ``docker images`` shows them."""
        return self.digest.removeprefix("sha256:")[:12]


@dataclass(frozen=True)
class Image:
    """An image: a name, its layers from the bottom up, and the command it runs."""

    name: str
    layers: tuple[Layer, ...]
    cmd: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.layers:
            raise ValueError(f"Image {self.name!r} needs at least one layer.")
        if not all(isinstance(layer, Layer) for layer in self.layers):
            raise ValueError(f"Image {self.name!r}: layers must be Layer objects.")

    @classmethod
    def build(
        cls, name: str, *layers: Layer, base: Image | None = None, cmd: Iterable[str] = ()
    ) -> Image:
        """An image from a base image's layers plus new ones, like ``FROM base`` + steps."""
        below = base.layers if base is not None else ()
        return cls(name, (*below, *layers), tuple(cmd))

    @property
    def size_mb(self) -> float:
        return sum(layer.size_mb for layer in self.layers)

    def config(self) -> dict[str, Any]:
        """The image config (a subset of the OCI fields): platform, command and layer ids."""
        return {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Cmd": list(self.cmd)},
            "rootfs": {"type": "layers", "diff_ids": [layer.digest for layer in self.layers]},
        }

    def manifest(self) -> dict[str, Any]:
        """The OCI image manifest: the config and every layer, by digest and size."""
        config = _canonical(self.config())
        return {
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "config": {
                "mediaType": CONFIG_MEDIA_TYPE,
                "digest": digest_of(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": LAYER_MEDIA_TYPE,
                    "digest": layer.digest,
                    "size": round(layer.size_mb * 1024 * 1024),
                }
                for layer in self.layers
            ],
        }

    @property
    def digest(self) -> str:
        """The image's digest: the digest of its manifest (what ``name@sha256:...`` pins)."""
        return digest_of(_canonical(self.manifest()))


@dataclass(frozen=True)
class Pull:
    """What pulling one image onto a host did: the layers fetched and those already there."""

    image: Image
    fetched: tuple[Layer, ...]
    reused: tuple[Layer, ...]

    @property
    def fetched_mb(self) -> float:
        return sum(layer.size_mb for layer in self.fetched)


@dataclass
class Container:
    """A running container: its image's layers read-only, plus its own writable layer."""

    name: str
    image: Image
    written_mb: float = 0.0

    def write(self, size_mb: float) -> None:
        """Write (or change) files: overlayfs puts the whole new file in the upper layer."""
        if isinstance(size_mb, bool) or not isinstance(size_mb, (int, float)) or size_mb < 0:
            raise ValueError(f"{self.name}: write a number of MB >= 0, got {size_mb!r}.")
        self.written_mb += float(size_mb)


@dataclass
class Host:
    """One container host's local store: layers by digest, images, and containers."""

    layers: dict[str, Layer] = field(default_factory=dict)
    images: dict[str, Image] = field(default_factory=dict)
    containers: list[Container] = field(default_factory=list)

    def pull(self, image: Image) -> Pull:
        """Fetch the layers this host lacks (by digest); reuse those it has."""
        if not isinstance(image, Image):
            raise ValueError(f"pull() needs an Image, got {type(image).__name__}.")
        fetched, reused = [], []
        for layer in image.layers:
            if layer.digest in self.layers:
                reused.append(layer)
            else:
                self.layers[layer.digest] = layer
                fetched.append(layer)
        self.images[image.name] = image
        return Pull(image, tuple(fetched), tuple(reused))

    def run(self, image_name: str, writes_mb: float = 0.0) -> Container:
        """Start a container of a pulled image; ``writes_mb`` is what it writes."""
        if image_name not in self.images:
            known = ", ".join(self.images) or "none yet"
            raise ValueError(f"Image {image_name!r} is not on this host; pulled: {known}.")
        count = sum(c.image.name == image_name for c in self.containers)
        container = Container(f"{image_name}-{count + 1}", self.images[image_name])
        container.write(writes_mb)
        self.containers.append(container)
        return container

    @property
    def image_store_mb(self) -> float:
        """Disk used by image layers: each distinct layer once."""
        return sum(layer.size_mb for layer in self.layers.values())

    @property
    def writable_mb(self) -> float:
        """Disk used by the containers' writable layers."""
        return sum(c.written_mb for c in self.containers)

    @property
    def total_mb(self) -> float:
        return self.image_store_mb + self.writable_mb

    @property
    def without_sharing_mb(self) -> float:
        """What the same images and containers would need if nothing were shared: each image
        stored whole and each container a full copy of its image."""
        images = sum(image.size_mb for image in self.images.values())
        copies = sum(c.image.size_mb + c.written_mb for c in self.containers)
        return images + copies

    def sharing(self) -> dict[str, list[str]]:
        """Each stored layer's short digest and name -> the images that use it."""
        users: dict[str, list[str]] = {}
        for layer in self.layers.values():
            key = f"{layer.name} ({layer.short})"
            users[key] = [img.name for img in self.images.values() if layer in img.layers]
        return users


# Example layers. Sizes are illustrative teaching assumptions, not measurements.
DEBIAN = Layer("debian base", 117, "Debian 12 root file system: libc, apt, coreutils")
PYTHON = Layer("python runtime", 300, "CPython 3.12 interpreter and standard library")
NGINX = Layer("nginx", 60, "nginx web server and its libraries")
WEB_APP = Layer("web app code", 5, "the web app's source and its pip packages")
WORKER = Layer("worker code", 3, "the background worker's source")


def example_images() -> dict[str, Image]:
    """Three images on one Debian base: two Python services that share the Python layer too."""
    base = Image.build("debian", DEBIAN, cmd=["bash"])
    python = Image.build("python", PYTHON, base=base, cmd=["python3"])
    return {
        "python-web": Image.build("python-web", WEB_APP, base=python, cmd=["python3", "app.py"]),
        "python-worker": Image.build(
            "python-worker", WORKER, base=python, cmd=["python3", "worker.py"]
        ),
        "nginx": Image.build("nginx", NGINX, base=base, cmd=["nginx", "-g", "daemon off;"]),
    }


def host_with(
    image_names: Iterable[str],
    containers_per_image: int = 1,
    writes_mb: float = 0.0,
    catalogue: dict[str, Image] | None = None,
) -> tuple[Host, list[Pull]]:
    """A fresh host that pulls these images in order and runs containers of each.

    ``catalogue`` defaults to :func:`example_images`. Returns the host and one :class:`Pull`
    per image, so the order shows what the second pull no longer needed to fetch.
    """
    known = catalogue if catalogue is not None else example_images()
    names = list(image_names)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"Unknown images {unknown}; known: {', '.join(known)}.")
    if isinstance(containers_per_image, bool) or not isinstance(containers_per_image, int):
        raise ValueError("containers_per_image must be a whole number >= 0.")
    if containers_per_image < 0:
        raise ValueError("containers_per_image must be a whole number >= 0.")
    host = Host()
    pulls = [host.pull(known[name]) for name in names]
    for name in names:
        for _ in range(containers_per_image):
            host.run(name, writes_mb)
    return host, pulls
