"""ECR image and scan-finding calls that agree with the local OCI registry.

moto 5.2.1 keeps ECR images only from ``PutImage``: its digests are not
the sha256 of the manifest, ``imageSizeInBytes`` is the config blob's size,
and ``DescribeImageScanFindings`` returns one canned HIGH finding. Images
pushed with ``docker push`` to the local registry are invisible to it.

This extension makes these operations read the local registry first:

- ``DescribeImages``, ``BatchGetImage``, ``ListImages``, ``StartImageScan``,
  ``DescribeImageScanFindings`` and ``BatchDeleteImage`` first copy the
  repository's tags from the registry's ``/v2/<name>/tags/list`` and
  ``/v2/<name>/manifests/<tag>`` into moto's model. The digest is the
  registry's ``Docker-Content-Digest`` (sha256 of the manifest bytes), and
  the manifest and its media type are stored as pushed.
- ``imageSizeInBytes`` is the sum of the manifest's layer sizes, the
  compressed size that ECR reports.
- Tag immutability: the registry does not enforce it, so in a repository
  whose ``imageTagMutability`` is ``IMMUTABLE`` a tag that moto already
  records for one digest stays on it. ECR would have rejected the push
  that moved the tag in the registry.
  ``PutImage`` keeps moto's own ``ImageTagAlreadyExistsException``.
- ``DescribeImageScanFindings`` returns the findings that a test stored for
  the repository and digest (none by default) with status ``COMPLETE``,
  after an optional number of ``IN_PROGRESS`` answers. It follows the
  basic-scanning response shape of the ECR API reference
  (``imageScanFindings.findings``, ``findingSeverityCounts``,
  ``imageScanCompletedAt``, ``vulnerabilitySourceUpdatedAt``) and pages
  with ``maxResults`` (1 to 1000, default 100) and ``nextToken``.

Fixture endpoint (POST, JSON), cleared by ``/moto-api/reset``::

    /moto-api/kit/ecr/scan-findings
    {"repositoryName": "shop/api", "imageDigest": "sha256:...",
     "findings": [{"name": "CVE-2026-0001", "severity": "CRITICAL",
                   "uri": "...", "description": "...", "attributes": []}],
     "inProgressPolls": 0, "region": "us-east-1", "accountId": "123456789012"}

Environment: ``KIT_LOCAL_REGISTRY`` (``host:port`` of the registry on a
loopback address, checked by the ecr_local_registry extension). When it is
unset, the operations keep moto's behaviour.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.ecr.exceptions import ScanNotFoundException
from moto.ecr.models import ECRBackend, Image, Repository, ecr_backends
from moto.ecr.responses import ECRResponse

ENV_NAME = "KIT_LOCAL_REGISTRY"
FIXTURE_PATH = "{0}/moto-api/kit/ecr/scan-findings"
DEFAULT_ACCOUNT_ID = "123456789012"
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED")
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.index.v1+json",
    ]
)
REQUEST_TIMEOUT_SECONDS = 10


class ServerException(ServiceException):
    code = "ServerException"


class InvalidParameterException(ServiceException):
    code = "InvalidParameterException"


def _registry_address() -> str | None:
    return os.environ.get(ENV_NAME) or None


def _get(url: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()
    except OSError as error:
        raise ServerException(f"The local registry at {url} is unreachable: {error}") from error


def registry_images(address: str, repository: str) -> dict[str, tuple[list[str], str, str]]:
    """Map each digest in the registry repository to (tags, manifest, media type)."""
    status, _, body = _get(f"http://{address}/v2/{repository}/tags/list")
    if status == 404:
        return {}
    if status != 200:
        raise ServerException(f"GET /v2/{repository}/tags/list returned HTTP {status}")
    tags = json.loads(body or b"{}").get("tags") or []
    images: dict[str, tuple[list[str], str, str]] = {}
    for tag in sorted(tags):
        status, headers, manifest = _get(
            f"http://{address}/v2/{repository}/manifests/{tag}", MANIFEST_TYPES
        )
        if status != 200:
            continue
        lowered = {name.lower(): value for name, value in headers.items()}
        digest = lowered.get("docker-content-digest") or (
            "sha256:" + hashlib.sha256(manifest).hexdigest()
        )
        text = manifest.decode("utf-8")
        media_type = lowered.get("content-type") or json.loads(text).get("mediaType", "")
        entry = images.setdefault(digest, ([], text, media_type))
        entry[0].append(tag)
    return images


def _tag_owner(repository: Repository, tag: str) -> Image | None:
    for image in repository.images:
        if tag in image.image_tags:
            return image
    return None


def sync_repository(backend: ECRBackend, repository: Repository) -> None:
    """Copy the registry's tags and manifests of one repository into moto's model."""
    address = _registry_address()
    if address is None:
        return
    immutable = str(repository.image_tag_mutability).startswith("IMMUTABLE")
    by_digest = {image.image_digest: image for image in repository.images}
    for digest, (tags, manifest, media_type) in registry_images(address, repository.name).items():
        image = by_digest.get(digest)
        if image is None:
            image = Image(
                backend.account_id,
                None,  # type: ignore[arg-type]
                manifest,
                repository.name,
                media_type,
                digest,
                repository.registry_id,
            )
            repository.images.append(image)
            by_digest[digest] = image
        for tag in tags:
            owner = _tag_owner(repository, tag)
            if owner is image:
                continue
            if owner is not None:
                if immutable:
                    continue
                owner.remove_tag(tag)
            image.update_tag(tag)
    # A tag-less image that the registry no longer has is gone from ECR too.
    repository.images = [
        image for image in repository.images if image.image_tags or image.image_digest in by_digest
    ]


def _synced(method: Callable[..., Any], name_arg: int = 0) -> Callable[..., Any]:
    """Wrap a backend method whose argument `name_arg` (or repository_name) names the repository."""

    def wrapper(self: ECRBackend, *args: Any, **kwargs: Any) -> Any:
        name = kwargs.get("repository_name", args[name_arg] if len(args) > name_arg else None)
        repository = self.repositories.get(name) if name else None
        if repository is not None:
            sync_repository(self, repository)
        return method(self, *args, **kwargs)

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


def image_size_in_bytes(self: Image) -> int | None:
    """Sum of the compressed layer sizes, as ECR reports imageSizeInBytes."""
    manifest = json.loads(self.image_manifest)
    layers = manifest.get("layers")
    if isinstance(layers, list):
        return sum(int(layer.get("size", 0)) for layer in layers)
    return None


def _fixtures(backend: ECRBackend) -> dict[tuple[str, str], dict[str, Any]]:
    store = getattr(backend, "kit_scan_findings", None)
    if store is None:
        store = {}
        backend.kit_scan_findings = store  # type: ignore[attr-defined]
    return store


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def describe_image_scan_findings(self: ECRResponse) -> ActionResult:
    backend: ECRBackend = self.ecr_backend
    repository_name = self._get_param("repositoryName")
    registry_id = self._get_param("registryId")
    image_id = self._get_param("imageId") or {}
    max_results = self._get_param("maxResults") or 100
    next_token = self._get_param("nextToken")
    if not 1 <= int(max_results) <= 1000:
        raise InvalidParameterException("maxResults must be between 1 and 1000")

    repository = backend._get_repository(repository_name, registry_id)
    sync_repository(backend, repository)
    image = repository._get_image(image_id.get("imageTag"), image_id.get("imageDigest"))
    if not image.last_scan:
        raise ScanNotFoundException(
            image_id=json.dumps(image_id),
            repository_name=repository_name,
            registry_id=repository.registry_id,
        )
    fixture = _fixtures(backend).get((repository.name, image.image_digest), {})
    result: dict[str, Any] = {
        "registryId": repository.registry_id,
        "repositoryName": repository.name,
        "imageId": {"imageDigest": image.image_digest},
    }
    if image.image_tag:
        result["imageId"]["imageTag"] = image.image_tag
    pending = fixture.get("inProgressPolls", 0)
    if pending > 0:
        fixture["inProgressPolls"] = pending - 1
        result["imageScanStatus"] = {
            "status": "IN_PROGRESS",
            "description": "The scan is in progress.",
        }
        return ActionResult(result)

    findings = list(fixture.get("findings", []))
    counts: dict[str, int] = {}
    for finding in findings:
        severity = finding.get("severity", "UNDEFINED")
        counts[severity] = counts.get(severity, 0) + 1
    start = int(next_token) if next_token else 0
    page = findings[start : start + int(max_results)]
    result["imageScanStatus"] = {
        "status": "COMPLETE",
        "description": "The scan was completed successfully.",
    }
    result["imageScanFindings"] = {
        "imageScanCompletedAt": _iso(image.last_scan),
        "vulnerabilitySourceUpdatedAt": _iso(image.last_scan),
        "findings": page,
        "findingSeverityCounts": counts,
    }
    if start + int(max_results) < len(findings):
        result["nextToken"] = str(start + int(max_results))
    return ActionResult(result)


def set_scan_findings(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """Store the scan findings of one repository and digest (POST, JSON body)."""
    length = int(headers.get("Content-Length") or 0)
    body = json.loads(request.environ["wsgi.input"].read(length).decode("utf-8") or "{}")
    repository = body.get("repositoryName")
    digest = body.get("imageDigest")
    findings = body.get("findings", [])
    if not repository or not str(digest).startswith("sha256:") or not isinstance(findings, list):
        return (
            400,
            {"Content-Type": "application/json"},
            json.dumps(
                {"error": "expected repositoryName, imageDigest (sha256:...) and a findings list"}
            ),
        )
    for finding in findings:
        if finding.get("severity") not in SEVERITIES:
            return (
                400,
                {"Content-Type": "application/json"},
                json.dumps({"error": f"severity must be one of {', '.join(SEVERITIES)}"}),
            )
    account = body.get("accountId", DEFAULT_ACCOUNT_ID)
    region = body.get("region", "us-east-1")
    backend = ecr_backends[account][region]
    _fixtures(backend)[(repository, digest)] = {
        "findings": findings,
        "inProgressPolls": int(body.get("inProgressPolls", 0)),
    }
    return 201, {"Content-Type": "application/json"}, json.dumps({"stored": len(findings)})


def install() -> None:
    ECRBackend.describe_images = _synced(ECRBackend.describe_images)  # type: ignore[method-assign]
    ECRBackend.batch_get_image = _synced(ECRBackend.batch_get_image)  # type: ignore[method-assign]
    ECRBackend.list_images = _synced(ECRBackend.list_images)  # type: ignore[method-assign]
    ECRBackend.batch_delete_image = _synced(ECRBackend.batch_delete_image)  # type: ignore[method-assign]
    ECRBackend.start_image_scan = _synced(ECRBackend.start_image_scan, 1)  # type: ignore[method-assign]
    Image.get_image_size_in_bytes = image_size_in_bytes  # type: ignore[method-assign]
    ECRResponse.describe_image_scan_findings = describe_image_scan_findings  # type: ignore[method-assign]

    from moto.moto_api._internal import urls as moto_api_urls

    moto_api_urls.url_paths[FIXTURE_PATH] = set_scan_findings
