"""ECS engine task backend that runs each task as a local process.

The ECS engine (``ecs_engine.py``) moves tasks through their states and
queries a task backend for whether a task runs, is healthy or has exited. The
simulated backend decides that from the task definition. This backend runs
the task's image instead, so a service answers real HTTP requests:

- Image: the essential container's ``image`` is
  ``<account>.dkr.ecr.<region>.amazonaws.com/<repo>`` or
  ``<KIT_LOCAL_REGISTRY>/<repo>`` with ``@sha256:<digest>`` or ``:<tag>``
  (default ``latest``). Both forms are read from the local registry only,
  over its HTTP API: manifest (an index picks linux and this machine's
  architecture), config and layers. Layers are checked against their
  digests and unpacked once per manifest digest under
  ``<work_directory>/images/``, with OCI whiteouts applied. Members that
  tarfile's ``data`` filter rejects (device files, links that leave the
  tree) are skipped. Any other image reference stops the task with
  ``CannotPullContainerError``; no other host is contacted.
- Command: the container's ``entryPoint`` (else the image's Entrypoint)
  followed by the override's or the container's ``command`` (else the
  image's Cmd, unless ``entryPoint`` is set, as ``docker run
  --entrypoint`` does). It runs in the image's WorkingDir (or the
  container's ``workingDirectory``) inside the unpacked tree, as the moto
  server's user. The program runs on this machine, not in the image's
  userland: ``node`` (or any path ending in ``/node``) is this machine's
  node, a relative path is resolved in the working directory, and other
  names are looked up on this machine's PATH.
- Environment, later entries winning: the moto server's PATH, HOME set
  to the unpacked root, the image's Env (except PATH), the container's ``environment``, its
  ``secrets``, the override's ``environment``, the configured
  ``environment``, then ``HOST`` (the task's address) and ``PORT`` (a free
  port on that address).
- Secrets: ``valueFrom`` is a Secrets Manager ARN, optionally with
  ``:<json-key>:<version-stage>:<version-id>``, or an SSM parameter ARN or
  name. They are read from moto's backends in this process. A secret that
  cannot be resolved stops the task with a ``stoppedReason`` starting
  ``ResourceInitializationError``. moto 5.2.1 does create the secret of an
  RDS instance with ``ManageMasterUserPassword``, but with the fixed
  password ``P@55w0rd!``, so a caller that runs a real database passes the
  real password through the configured ``environment``.
- Address: each task gets its own loopback address ``127.77.x.y``,
  because moto keys the targets of a target group by ``Id`` alone. The
  task's targets are that address and the task's port. The
  ``privateIPv4Address`` of its network interface is that address too.
- Health: for a service task behind load balancers, each target group's
  health check (path, port, matcher, timeout, thresholds) is probed over
  HTTP every ``HealthCheckIntervalSeconds`` (or ``health_interval_seconds``).
  As the ALB documentation describes, a new target is healthy after one
  passing check and unhealthy after ``UnhealthyThresholdCount`` failures,
  and an unhealthy target needs ``HealthyThresholdCount`` passes. A task
  whose target turns unhealthy is stopped, as the ECS scheduler replaces
  it, and the engine records "Task failed ELB health checks".
- Stop: SIGTERM to the process group, then SIGKILL after the container's
  ``stopTimeout`` (default 30 s, capped by ``max_stop_timeout_seconds``).
  A task whose targets drain gets SIGTERM ``drain_seconds`` later (default
  half the converge time, the engine's draining time), and it becomes
  STOPPED only once its process has exited.
  An exit by signal N is reported as exit code 128 + N, as Docker does.
- Logs: each line of the process's stdout and stderr goes to the
  container's ``awslogs`` stream, like the engine's own lines.
- Lifetime: processes are started with ``PR_SET_PDEATHSIG`` = SIGKILL from
  a thread that lives until the process exits, so the kernel kills them
  when the moto server ends, even by SIGKILL. A normal exit of the server,
  ``/moto-api/reset`` and a switch back to the simulated backend stop them
  first with SIGTERM. Grandchildren that a task starts are in the task's
  process group and get the same SIGTERM and SIGKILL, but not the death
  signal.

Selected through the engine's control endpoint
(``POST /moto-api/kit/ecs-engine/config``)::

    {"task_backend": "process",
     "process": {"environment": {"PGHOST": "127.0.0.1"},
                 "health_interval_seconds": 1,
                 "max_stop_timeout_seconds": 5, "drain_seconds": 1,
                 "work_directory": "/abs/dir"}}

``{"task_backend": "simulated"}`` or ``{"reset": true}`` selects the
simulated backend again. ``GET /moto-api/kit/ecs-engine/processes`` lists
the processes this backend started (task ARN, pid, address, port, status,
exit code, health).
"""

from __future__ import annotations

import atexit
import ctypes
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from moto.core.exceptions import JsonRESTError, ServiceException
from moto.ecs.models import ecs_backends
from moto.elbv2.models import FakeTargetGroup, elbv2_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.ssm.models import ssm_backends

from . import ecs_engine
from .ecs_engine import LOCK, EngineTask, Observation

REGISTRY_ENV = "KIT_LOCAL_REGISTRY"
DEFAULT_STOP_TIMEOUT_SECONDS = 30
REGISTRY_TIMEOUT_SECONDS = 30
PR_SET_PDEATHSIG = 1
ECR_HOST = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$")
IMAGE_REFERENCE = re.compile(
    r"^(?P<host>[^/]+)/(?P<repository>[a-z0-9._/-]+?)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)
INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64", "amd64": "amd64"}


class TaskStartError(Exception):
    """Error that stops a task before it runs. The message is the task's ECS ``stoppedReason``."""


# --------------------------------------------------------------------------
# Settings


class ProcessSettings:
    def __init__(self) -> None:
        self.environment: dict[str, str] = {}
        self.health_interval_seconds: float | None = None
        self.max_stop_timeout_seconds = 120.0
        # Seconds from a task's targets turning draining to its SIGTERM; None
        # is half the engine's converge time, the engine's draining time.
        self.drain_seconds: float | None = None
        self.work_directory = os.path.join(tempfile.gettempdir(), f"kit-ecs-tasks-{os.getpid()}")

    def as_json(self) -> dict[str, Any]:
        # Variables are listed by name only, because the values may be passwords.
        return {
            "environment": sorted(self.environment),
            "health_interval_seconds": self.health_interval_seconds,
            "max_stop_timeout_seconds": self.max_stop_timeout_seconds,
            "drain_seconds": self.drain_seconds,
            "work_directory": self.work_directory,
        }


def parse_settings(body: Any) -> ProcessSettings:
    """Validate the ``process`` object of the config endpoint."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ValueError("process must be a JSON object")

    known = {"environment", "health_interval_seconds", "max_stop_timeout_seconds", "drain_seconds", "work_directory"}
    unknown = set(body) - known
    if unknown:
        raise ValueError(f"process has unknown keys {sorted(unknown)}; expected some of {sorted(known)}")

    settings = ProcessSettings()
    environment = body.get("environment") or {}
    if not isinstance(environment, dict):
        raise ValueError("process.environment must be an object of variable names to string values")
    for name, value in environment.items():
        if not ENV_NAME.match(str(name)):
            raise ValueError(f"process.environment has an invalid variable name {name!r}")
        if not isinstance(value, (str, int, float)):
            raise ValueError(f"process.environment.{name} must be a string")
        settings.environment[str(name)] = str(value)

    interval = body.get("health_interval_seconds")
    if interval is not None:
        interval = float(interval)
        if not 0.1 <= interval <= 300:
            raise ValueError(f"process.health_interval_seconds={interval} must be from 0.1 to 300")
        settings.health_interval_seconds = interval

    stop_timeout = body.get("max_stop_timeout_seconds")
    if stop_timeout is not None:
        stop_timeout = float(stop_timeout)
        if not 0 <= stop_timeout <= 120:
            raise ValueError(f"process.max_stop_timeout_seconds={stop_timeout} must be from 0 to 120")
        settings.max_stop_timeout_seconds = stop_timeout

    drain = body.get("drain_seconds")
    if drain is not None:
        drain = float(drain)
        if not 0 <= drain <= 300:
            raise ValueError(f"process.drain_seconds={drain} must be from 0 to 300")
        settings.drain_seconds = drain

    work_directory = body.get("work_directory")
    if work_directory is not None:
        if not isinstance(work_directory, str) or not os.path.isabs(work_directory):
            raise ValueError(f"process.work_directory={work_directory!r} must be an absolute path")
        settings.work_directory = work_directory
    return settings


# --------------------------------------------------------------------------
# Images


def _registry_get(url: str, accept: str | None = None) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        response = urllib.request.urlopen(request, timeout=REGISTRY_TIMEOUT_SECONDS)
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error
    except OSError as error:
        raise TaskStartError(f"CannotPullContainerError: the local registry at {url} is unreachable: {error}") from error
    return response.status, {k.lower(): v for k, v in response.headers.items()}, response


def _read_json(url: str, accept: str | None, description: str) -> tuple[dict[str, Any], dict[str, str], bytes]:
    status, headers, response = _registry_get(url, accept)
    with response:
        body = response.read()
    if status != 200:
        raise TaskStartError(f"CannotPullContainerError: {description} not found: GET {url} returned HTTP {status}")
    return json.loads(body), headers, body


def parse_image(image: str, registry: str) -> tuple[str, str]:
    """Return (repository, reference) of an image in the local registry."""
    match = IMAGE_REFERENCE.match(image or "")
    local_hosts = {registry, registry.replace("127.0.0.1:", "localhost:"), registry.replace("localhost:", "127.0.0.1:")}
    if match is None or not (ECR_HOST.match(match["host"]) or match["host"] in local_hosts):
        raise TaskStartError(
            f"CannotPullContainerError: image {image!r} is not in the local registry: expected "
            f"<account>.dkr.ecr.<region>.amazonaws.com/<repo> or {registry}/<repo>, with :<tag> or @sha256:<digest>"
        )
    return match["repository"], match["digest"] or match["tag"] or "latest"


class ImageStore:
    """Unpacked images under ``<work_directory>/images``, one tree per manifest digest."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def prepare(self, image: str, work_directory: str) -> tuple[str, dict[str, Any]]:
        """Pull and unpack `image` unless already unpacked. Returns (root directory, image config)."""
        registry = os.environ.get(REGISTRY_ENV, "")
        if not registry:
            raise TaskStartError(f"CannotPullContainerError: {REGISTRY_ENV} is not set in the moto server's environment")
        repository, reference = parse_image(image, registry)
        base = f"http://{registry}/v2/{repository}"
        manifest, headers, raw = _read_json(f"{base}/manifests/{reference}", MANIFEST_TYPES, f"image {image}")
        media_type = headers.get("content-type") or manifest.get("mediaType", "")
        if media_type in INDEX_TYPES or "manifests" in manifest:
            chosen = _pick_platform(manifest, image)
            manifest, headers, raw = _read_json(f"{base}/manifests/{chosen}", MANIFEST_TYPES, f"image {image}")
        digest = headers.get("docker-content-digest") or "sha256:" + hashlib.sha256(raw).hexdigest()
        directory = os.path.join(work_directory, "images", digest.replace(":", "-"))
        with self._guard:
            lock = self._locks.setdefault(directory, threading.Lock())
        with lock:
            config_path = os.path.join(directory, "config.json")
            if not os.path.exists(config_path):
                began = time.monotonic()
                _report(f"pulling {image} ({digest}) into {directory}")
                self._unpack(base, manifest, directory, image)
                _report(f"unpacked {image} in {time.monotonic() - began:.1f} s")
            with open(config_path, encoding="utf-8") as handle:
                config = json.load(handle)
        return os.path.join(directory, "rootfs"), config.get("config") or {}

    def _unpack(self, base: str, manifest: dict[str, Any], directory: str, image: str) -> None:
        partial = f"{directory}.partial-{uuid.uuid4().hex[:8]}"
        rootfs = os.path.join(partial, "rootfs")
        os.makedirs(rootfs)
        try:
            config, _, _ = _read_json(f"{base}/blobs/{manifest['config']['digest']}", None, f"config of image {image}")
            for layer in manifest.get("layers") or []:
                self._apply_layer(base, layer, rootfs, partial, image)
            with open(os.path.join(partial, "config.json"), "w", encoding="utf-8") as handle:
                json.dump(config, handle)
            os.rename(partial, directory)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise

    def _apply_layer(self, base: str, layer: dict[str, Any], rootfs: str, scratch: str, image: str) -> None:
        digest = str(layer.get("digest", ""))
        if "zstd" in str(layer.get("mediaType", "")):
            raise TaskStartError(f"CannotPullContainerError: layer {digest} of {image} is zstd-compressed, which is not supported")
        status, _, response = _registry_get(f"{base}/blobs/{digest}")
        if status != 200:
            response.close()
            raise TaskStartError(f"CannotPullContainerError: layer {digest} of {image}: HTTP {status}")
        blob = os.path.join(scratch, "layer.blob")
        hasher = hashlib.sha256()
        with response, open(blob, "wb") as handle:
            while chunk := response.read(1 << 20):
                hasher.update(chunk)
                handle.write(chunk)
        if f"sha256:{hasher.hexdigest()}" != digest:
            os.unlink(blob)
            raise TaskStartError(f"CannotPullContainerError: layer {digest} of {image} does not match its digest")
        try:
            with tarfile.open(blob, "r:*") as archive:
                _extract_layer(archive, rootfs)
        except tarfile.TarError as error:
            raise TaskStartError(f"CannotPullContainerError: layer {digest} of {image} is not a tar archive: {error}") from error
        finally:
            os.unlink(blob)


def _pick_platform(index: dict[str, Any], image: str) -> str:
    architecture = ARCHITECTURES.get(platform.machine(), platform.machine())
    for entry in index.get("manifests") or []:
        entry_platform = entry.get("platform") or {}
        if entry_platform.get("os", "linux") == "linux" and entry_platform.get("architecture") == architecture:
            return str(entry["digest"])
    raise TaskStartError(f"CannotPullContainerError: image {image} has no linux/{architecture} manifest")


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.unlink(path)


def _extract_layer(archive: tarfile.TarFile, rootfs: str) -> None:
    """Apply one layer. Whiteout entries remove lower-layer files, and other members are extracted."""
    for member in archive:
        name = os.path.normpath(member.name.lstrip("/"))
        if name.startswith(".."):
            continue
        parent, leaf = os.path.split(name)
        if leaf == ".wh..wh..opq":
            opaque = os.path.join(rootfs, parent)
            if os.path.isdir(opaque):
                for entry in os.listdir(opaque):
                    _remove(os.path.join(opaque, entry))
            continue
        if leaf.startswith(".wh."):
            _remove(os.path.join(rootfs, parent, leaf[len(".wh."):]))
            continue
        target = os.path.join(rootfs, name)
        if os.path.lexists(target) and not (member.isdir() and os.path.isdir(target)):
            _remove(target)
        try:
            archive.extract(member, rootfs, filter="data")
        except (tarfile.FilterError, OSError, KeyError):
            # Device files, absolute links and links to skipped members are
            # left out, because a task runs this machine's programs anyway.
            continue


# --------------------------------------------------------------------------
# Task processes


_ADDRESS_COUNTER = [0]


def _next_address() -> str:
    _ADDRESS_COUNTER[0] += 1
    n = _ADDRESS_COUNTER[0]
    return f"127.77.{(n // 254) % 256}.{n % 254 + 1}"


def _free_port(address: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


def _set_parent_death_signal() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _report(message: str) -> None:
    """Print a line to the moto server's output, as the launcher does."""
    print(f"ecs process backend: {message}", flush=True)


def _exit_code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


class TaskProcess:
    """One task's process and the health of its targets, as probes see it."""

    def __init__(self, task: EngineTask, address: str) -> None:
        self.task = task
        self.task_arn = task.task_arn
        self.address = address
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.status = "PULLING"
        self.start_error: str | None = None
        self.exit_code: int | None = None
        self.healthy: bool | None = None
        # time.monotonic() when the target turned unhealthy.
        self.unhealthy_since: float | None = None
        self.health_interval = 0.0
        self.successes = 0
        self.failures = 0
        self.stop_requested = False
        self.exited = threading.Event()
        # A signal sent before the process exists, delivered once it starts.
        self.pending_signal: int | None = None
        self.lock = threading.Lock()

    def as_json(self) -> dict[str, Any]:
        return {
            "task_arn": self.task_arn,
            "pid": self.process.pid if self.process else None,
            "address": self.address,
            "port": self.port,
            "status": self.status,
            "exit_code": self.exit_code,
            "healthy": self.healthy,
            "start_error": self.start_error,
        }

    def signal(self, signum: int) -> None:
        with self.lock:
            if self.process is None:
                self.pending_signal = signum
                return
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass

    def attach(self, process: subprocess.Popen[bytes]) -> None:
        with self.lock:
            self.process = process
            pending = self.pending_signal
        if pending is not None:
            self.signal(pending)


def _container_definition(task: EngineTask) -> dict[str, Any]:
    return task._task_definition.container_definitions[0]


def _override(task: EngineTask, name: str) -> dict[str, Any]:
    for override in task.overrides.get("containerOverrides") or []:
        if override.get("name") == name:
            return override
    return {}


def _split_env(pairs: list[str]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        env[name] = value
    return env


def resolve_secret(value_from: str, account_id: str, region: str) -> str:
    """Read a container secret from moto's Secrets Manager or SSM backend."""
    parts = value_from.split(":")
    if value_from.startswith("arn:") and len(parts) >= 7 and parts[2] == "secretsmanager":
        account_id, region = parts[4] or account_id, parts[3] or region
        secret_id = ":".join(parts[:7])
        json_key, stage, version_id = (parts[7:10] + ["", "", ""])[:3]
        backend = secretsmanager_backends[account_id][region]
        try:
            value = backend.get_secret_value(secret_id, version_id or None, stage or None)
        except JsonRESTError:
            # ECS also accepts the ARN without the six random characters.
            value = backend.get_secret_value(parts[6], version_id or None, stage or None)
        text = value.get("SecretString")
        if text is None:
            raise ValueError("the secret has no SecretString")
        if not json_key:
            return str(text)
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"the secret is not JSON, so json key {json_key} cannot be read") from error
        if not isinstance(document, dict) or json_key not in document:
            raise ValueError(f"retrieved secret from Secrets Manager did not contain json key {json_key}")
        return str(document[json_key])
    name = value_from
    if value_from.startswith("arn:") and len(parts) >= 6 and parts[2] == "ssm":
        account_id, region = parts[4] or account_id, parts[3] or region
        name = ":".join(parts[5:]).removeprefix("parameter")
    parameter = ssm_backends[account_id][region].get_parameter(name)
    if parameter is None:
        raise ValueError(f"SSM parameter {name} not found")
    return str(parameter.value)


def _command(task: EngineTask, config: dict[str, Any]) -> list[str]:
    definition = _container_definition(task)
    override = _override(task, str(definition.get("name")))
    entry_point = definition.get("entryPoint")
    command = override.get("command") or definition.get("command")
    if entry_point:
        argv = list(entry_point) + list(command or [])
    else:
        argv = list(config.get("Entrypoint") or []) + list(command or config.get("Cmd") or [])
    return [str(part) for part in argv]


def _program(argv0: str, cwd: str) -> str:
    if argv0 == "node" or argv0.endswith("/node"):
        found = shutil.which("node")
    elif "/" in argv0 and not argv0.startswith("/"):
        found = os.path.join(cwd, argv0)
    else:
        found = shutil.which(argv0)
    if found is None or not os.path.exists(found):
        raise TaskStartError(
            f"CannotStartContainerError: executable file {argv0!r} not found on this machine's PATH"
        )
    return found


class ProcessTaskBackend:
    """Runs tasks as local processes of their images (see the module docstring)."""

    name = "process"

    def __init__(self) -> None:
        self.settings = ProcessSettings()
        self.images = ImageStore()
        self.records: dict[str, TaskProcess] = {}

    # ---- TaskBackend interface

    def launch(self, task: EngineTask, now: float) -> None:
        address = _next_address()
        task.ip = address
        for attachment in task.attachments:
            for detail in attachment.get("details", []):
                if detail.get("name") == "privateIPv4Address":
                    detail["value"] = address
        record = TaskProcess(task, address)
        self.records[task.task_arn] = record
        settings = self.settings
        threading.Thread(
            target=self._run, args=(record, settings), name=f"ecs-task-{task.id[:8]}", daemon=True
        ).start()

    def observe(self, task: EngineTask, now: float, one_off: bool) -> Observation:
        record = self.records.get(task.task_arn)
        if record is None:
            return Observation(False, None, None)
        if record.start_error is not None:
            return Observation(False, None, None, record.start_error)
        if record.exit_code is not None:
            return Observation(True, record.healthy, record.exit_code)
        if record.status == "RUNNING":
            # The ECS scheduler replaces a task whose target is unhealthy. The
            # stop waits one health check interval after the engine has seen
            # the unhealthy state, so DescribeTargetHealth shows it first.
            if record.healthy is False and record.unhealthy_since is not None:
                if time.monotonic() - record.unhealthy_since >= record.health_interval:
                    self._log(record, ["target is unhealthy; stopping the task"])
                    self._stop(record)
            return Observation(True, record.healthy, None)
        return Observation(False, None, None)

    def stop(self, task: EngineTask, now: float) -> None:
        record = self.records.get(task.task_arn)
        if record is None:
            return
        # As in ECS, a task behind a load balancer gets SIGTERM only after its
        # targets have drained, so no new request reaches a closing server.
        delay = 0.0
        if task.last_status == "DEACTIVATING":
            delay = self.settings.drain_seconds
            if delay is None:
                delay = ecs_engine.CONFIG.share(0.5)
        self._stop(record, delay)

    def exit_status(self, task: EngineTask) -> tuple[bool, int | None]:
        record = self.records.get(task.task_arn)
        if record is None or record.exited.is_set():
            return True, record.exit_code if record else None
        return False, None

    # ---- control

    def configure(self, settings: ProcessSettings) -> None:
        self.settings = settings

    def stop_all(self, wait_seconds: float = 5.0, forget: bool = False) -> None:
        """Stop every process: SIGTERM, then SIGKILL for those still running after `wait_seconds`.

        The engine then observes each task's essential container exit, unless
        `forget` drops the records (after a moto reset has dropped the tasks).
        """
        records = list(self.records.values())
        for record in records:
            record.stop_requested = True
            record.signal(signal.SIGTERM)
        deadline = time.monotonic() + wait_seconds
        for record in records:
            if record.process is not None and not record.exited.wait(max(0.0, deadline - time.monotonic())):
                record.signal(signal.SIGKILL)
                record.exited.wait(2)
        if forget:
            self.records.clear()

    def listing(self) -> list[dict[str, Any]]:
        return [record.as_json() for record in list(self.records.values())]

    # ---- internals

    def _stop(self, record: TaskProcess, delay: float = 0.0) -> None:
        """Send SIGTERM after `delay` seconds, then SIGKILL after the container's stop timeout."""
        if record.stop_requested:
            return
        record.stop_requested = True
        definition = _container_definition(record.task)
        timeout = float(definition.get("stopTimeout") or DEFAULT_STOP_TIMEOUT_SECONDS)
        timeout = min(timeout, self.settings.max_stop_timeout_seconds)

        def terminate() -> None:
            record.signal(signal.SIGTERM)
            killer = threading.Timer(timeout, record.signal, args=(signal.SIGKILL,))
            killer.daemon = True
            killer.start()

        if delay <= 0:
            terminate()
            return
        waiter = threading.Timer(delay, terminate)
        waiter.daemon = True
        waiter.start()

    def _log(self, record: TaskProcess, lines: list[str]) -> None:
        task = record.task
        with LOCK:
            ecs_engine.put_task_log_lines(task, task.containers[0], lines, time.time())

    def _run(self, record: TaskProcess, settings: ProcessSettings) -> None:
        """Start the task's process and copy its output to the task's log stream.

        The thread that calls this lives as long as the process, because the
        kernel sends the parent death signal when the spawning thread ends.
        """
        task = record.task
        try:
            argv, cwd, env = self._prepare(record, settings)
            if record.stop_requested:
                record.status = "STOPPED"
                record.exited.set()
                return
            process = subprocess.Popen(
                argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_set_parent_death_signal,
            )
        except (TaskStartError, OSError, ValueError, KeyError) as error:
            if isinstance(error, TaskStartError):
                record.start_error = str(error)
            else:
                record.start_error = f"CannotStartContainerError: {type(error).__name__}: {error}"
            record.status = "FAILED"
            record.exited.set()
            _report(f"task {task.id} failed to start: {record.start_error}")
            return
        record.status = "RUNNING"
        record.attach(process)
        _report(f"task {task.id} started: pid {process.pid} on {record.address}:{record.port}, {argv[0]} in {cwd}")
        if task.service_name is not None:
            threading.Thread(
                target=self._probe_loop, args=(record, settings), name=f"ecs-health-{task.id[:8]}", daemon=True
            ).start()
        assert process.stdout is not None
        for raw in process.stdout:
            self._log(record, [raw.decode("utf-8", "replace").rstrip("\r\n")])
        record.exit_code = _exit_code(process.wait())
        record.status = "EXITED"
        record.exited.set()
        _report(f"task {task.id} exited with code {record.exit_code}")

    def _prepare(self, record: TaskProcess, settings: ProcessSettings) -> tuple[list[str], str, dict[str, str]]:
        task = record.task
        definition = _container_definition(task)
        root, config = self.images.prepare(str(definition.get("image", "")), settings.work_directory)
        working_dir = definition.get("workingDirectory") or config.get("WorkingDir") or "/"
        cwd = os.path.join(root, str(working_dir).lstrip("/"))
        os.makedirs(cwd, exist_ok=True)

        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": root}
        image_env = _split_env(config.get("Env") or [])
        image_env.pop("PATH", None)
        env.update(image_env)
        for pair in definition.get("environment") or []:
            env[str(pair.get("name"))] = str(pair.get("value"))
        for secret in definition.get("secrets") or []:
            value_from = str(secret.get("valueFrom", ""))
            try:
                with LOCK:
                    env[str(secret.get("name"))] = resolve_secret(value_from, task._account_id, task.region_name)
            except (JsonRESTError, ServiceException, ValueError, KeyError) as error:
                message = getattr(error, "message", None) or str(error)
                raise TaskStartError(
                    "ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve "
                    f"secret {secret.get('name')} from {value_from}: {message}"
                ) from error
        for pair in _override(task, str(definition.get("name"))).get("environment") or []:
            env[str(pair.get("name"))] = str(pair.get("value"))
        env.update(settings.environment)

        record.port = _free_port(record.address)
        task.host_port = record.port
        env["HOST"] = record.address
        env["PORT"] = str(record.port)

        argv = _command(task, config)
        if not argv:
            raise TaskStartError("CannotStartContainerError: the image and the task definition set no command")
        argv[0] = _program(argv[0], cwd)
        return argv, cwd, env

    def _probe_loop(self, record: TaskProcess, settings: ProcessSettings) -> None:
        task = record.task
        while not record.exited.is_set() and not record.stop_requested:
            groups = _health_checks(task)
            interval = settings.health_interval_seconds or min(
                (float(group.health_check_interval_seconds) for group in groups), default=30.0
            )
            record.health_interval = interval
            if groups:
                results = [_probe(record, group, interval) for group in groups]
                passed = all(ok for ok, _ in results)
                self._count(record, passed, groups, "; ".join(detail for ok, detail in results if not ok))
            else:
                # Without a load balancer or with health checks disabled in
                # every target group, the targets count as healthy once the
                # process runs.
                record.healthy = True
            if record.exited.wait(interval):
                return

    def _count(self, record: TaskProcess, passed: bool, groups: list[FakeTargetGroup], detail: str) -> None:
        if passed:
            record.successes += 1
            record.failures = 0
            healthy_after = 1 if record.healthy is None else min(int(g.healthy_threshold_count) for g in groups)
            if record.healthy is not True and record.successes >= healthy_after:
                record.healthy = True
                record.unhealthy_since = None
            return
        record.failures += 1
        record.successes = 0
        unhealthy_after = min(int(g.unhealthy_threshold_count) for g in groups)
        if record.healthy is not False and record.failures >= unhealthy_after:
            record.healthy = False
            record.unhealthy_since = time.monotonic()
            self._log(record, [f"health checks failed {record.failures} times ({detail})"])
            _report(f"task {record.task.id} is unhealthy: {detail}")


def _health_checks(task: EngineTask) -> list[FakeTargetGroup]:
    backend = ecs_backends[task._account_id][task.region_name]
    service = backend.services.get(f"{task.cluster_name}:{task.service_name}")
    if service is None:
        return []
    elbv2 = elbv2_backends[task._account_id][task.region_name]
    groups = []
    for load_balancer in service.load_balancers or []:
        group = elbv2.target_groups.get(load_balancer.get("targetGroupArn", ""))
        if group is not None and group.health_check_enabled:
            groups.append(group)
    return groups


def _matches(matcher: dict[str, Any] | None, status: int) -> bool:
    codes = str((matcher or {}).get("HttpCode") or "200")
    for part in codes.split(","):
        low, _, high = part.strip().partition("-")
        if low.isdigit() and int(low) <= status <= int(high or low):
            return True
    return False


def _probe(record: TaskProcess, group: FakeTargetGroup, interval: float) -> tuple[bool, str]:
    port = record.port
    # NOTE: a numeric health check port is read as the task's port, because
    # the process listens on one port only; HTTPS checks are sent as HTTP.
    path = group.health_check_path or "/"
    url = f"http://{record.address}:{port}{path}"
    timeout = min(float(group.health_check_timeout_seconds or 5), max(interval, 0.5))
    request = urllib.request.Request(url, headers={"User-Agent": "ELB-HealthChecker/2.0"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        return False, f"GET {url} failed: {error}"
    if _matches(group.matcher, status):
        return True, ""
    return False, f"GET {url} returned HTTP {status}"


PROCESS_BACKEND = ProcessTaskBackend()


# --------------------------------------------------------------------------
# Control


def processes_endpoint(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    return 200, {"Content-Type": "application/json"}, json.dumps({"processes": PROCESS_BACKEND.listing()})


def _stop_on_reset(method: Any) -> Any:
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        PROCESS_BACKEND.stop_all(forget=True)
        return method(self, *args, **kwargs)

    return wrapper


def install() -> None:
    from moto.moto_api._internal import urls as moto_api_urls
    from moto.moto_api._internal.models import MotoAPIBackend

    ecs_engine.register_task_backend("process", PROCESS_BACKEND, parse_settings)
    MotoAPIBackend.reset = _stop_on_reset(MotoAPIBackend.reset)  # type: ignore[method-assign]
    moto_api_urls.url_paths["{0}/moto-api/kit/ecs-engine/processes"] = processes_endpoint
    atexit.register(PROCESS_BACKEND.stop_all)
