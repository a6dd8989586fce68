"""ECS engine: deployments, tasks, target health, task logs and ALB 5xx counts.

moto 5.2.1 keeps one deployment per service for ever, copies the desired
count into ``runningCount`` at once, starts no tasks for services, and
reports every registered target healthy. This extension replaces that with
one engine that follows the ECS, ELBv2 and CloudWatch API references:

- ``CreateService`` and ``UpdateService`` with a new task definition or
  ``forceNewDeployment`` create a PRIMARY deployment (``rolloutState``
  IN_PROGRESS); the previous PRIMARY becomes ACTIVE. A desired-count change
  alone updates the PRIMARY deployment.
- The scheduler starts tasks for the PRIMARY deployment. Each task goes
  PROVISIONING, PENDING, then RUNNING, and its IP is registered in every
  target group of the service's ``loadBalancers`` (``initial``, then
  ``healthy``). Once the PRIMARY deployment runs its desired count with
  healthy targets, the tasks of older deployments drain (target
  ``draining``, task DEACTIVATING, then STOPPED) and are removed. Then the
  deployment becomes COMPLETED and the service records "has reached a
  steady state".
- A task definition whose container environment holds
  ``KIT_SIMULATED_FAILURE=1`` runs, turns its targets ``unhealthy`` and
  stops with a ``stoppedReason``; the scheduler replaces it and counts
  ``failedTasks``. With ``deploymentConfiguration.deploymentCircuitBreaker``
  enabled, the deployment ends FAILED after the threshold of the ECS
  documentation (half the desired count, at least 3, at most 200); with
  ``rollback`` the service starts a new deployment of the last completed
  task definition.
- ``RunTask`` starts one-off tasks that run, then stop with each
  container's ``exitCode``: the value of ``KIT_SIMULATED_EXIT_CODE`` (from a
  container override or the task definition), else ``exit N`` in the
  command override, else 0.
- Tasks write log lines to CloudWatch Logs for containers with the
  ``awslogs`` log driver (stream ``<prefix>/<container>/<task id>``) when
  the group exists or ``awslogs-create-group`` is ``true``. A container's
  ``KIT_SIMULATED_LOG`` environment value adds lines (``|`` separated).
- Service events (``DescribeServices`` ``events``) are recorded newest
  first with the texts ECS uses.

Time: each state change happens a fixed share of the converge time after
the previous one (a task runs at 50 %, its target is healthy at 100 %,
draining takes 50 %). The engine advances on every ECS, ELBv2 target
health and CloudWatch Logs read, so a test that polls sees each state in
order. With a converge time of 0 every change happens at the next call.

Tasks are run by a task backend. ``SimulatedTaskBackend`` (the default)
decides run, health and exit from the task definition. The process backend
(``ecs_process_backend.py``) runs each task's image as a local process,
probes its targets over HTTP and reports real exit codes. A task keeps the
backend that launched it when the selection changes. A backend that
reports a start failure (``Observation.reason``) stops the task with that
``stoppedReason`` and stop code ``TaskFailedToStart``, and a stopping task
becomes STOPPED only once its backend reports that it has exited.

Environment of the moto process:

- ``KIT_ECS_CONVERGE_SECONDS``: converge time in seconds (default 0).

Control endpoints (JSON bodies):

- ``GET|POST /moto-api/kit/ecs-engine/config``: read or set
  ``{"converge_seconds": n}`` and ``{"task_backend": "simulated"}`` or
  ``{"task_backend": "process", "process": {...}}`` (settings in
  ``ecs_process_backend.py``). ``{"reset": true}`` restores the
  environment's converge time and the simulated backend.
- ``POST /moto-api/kit/ecs-engine/alb-5xx``: ``{"load_balancer_arn": arn,
  "count": n, "metric": "HTTPCode_Target_5XX_Count"}`` records that many
  5xx responses now in ``AWS/ApplicationELB`` for the load balancer (and
  for ``target_group_arn`` when given), read back through
  GetMetricStatistics and GetMetricData.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Protocol

from moto.cloudwatch.models import cloudwatch_backends
from moto.core.common_models import BaseModel
from moto.ecs.exceptions import InvalidParameterException
from moto.ecs.models import EC2ContainerServiceBackend, Service, ecs_backends
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.elbv2.models import ELBv2Backend, FakeHealthStatus, FakeTargetGroup, elbv2_backends
from moto.logs.models import LogsBackend, logs_backends

CONVERGE_ENV = "KIT_ECS_CONVERGE_SECONDS"
FAILURE_ENV = "KIT_SIMULATED_FAILURE"
EXIT_CODE_ENV = "KIT_SIMULATED_EXIT_CODE"
LOG_ENV = "KIT_SIMULATED_LOG"
MAX_EVENTS = 100

LOCK = threading.RLock()


def _converge_from_env() -> float:
    raw = os.environ.get(CONVERGE_ENV, "0").strip() or "0"
    try:
        value = float(raw)
    except ValueError as error:
        raise ValueError(f"{CONVERGE_ENV}={raw!r} is not a number of seconds") from error
    if value < 0 or value > 3600:
        raise ValueError(f"{CONVERGE_ENV}={raw!r} must be from 0 to 3600 seconds")
    return value


class EngineConfig:
    def __init__(self) -> None:
        self.converge_seconds = 0.0

    def share(self, fraction: float) -> float:
        return self.converge_seconds * fraction


CONFIG = EngineConfig()


def _now() -> float:
    return time.time()


def _dt(seconds: float | None) -> datetime | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


# --------------------------------------------------------------------------
# Tasks


class EngineContainer(BaseModel):
    def __init__(self, task: EngineTask, definition: dict[str, Any]):
        self.name = definition.get("name")
        self.image = definition.get("image")
        self.container_arn = (
            f"{task.task_arn.replace(':task/', ':container/')}/{uuid.uuid4()}"
        )
        self.task_arn = task.task_arn
        self.last_status = "PENDING"
        self.exit_code: int | None = None
        self.reason: str | None = None
        self.health_status = "UNKNOWN"
        self.runtime_id = uuid.uuid4().hex
        self.network_interfaces: list[dict[str, Any]] = []
        self.cpu = str(definition.get("cpu", 0))
        self.memory = str(definition["memory"]) if definition.get("memory") else None

    # moto's serializer also tries the snake_case form of each field name,
    # so exit_code is returned as exitCode.


class EngineTask(BaseModel):
    """A task that the engine runs; serialized with the ECS Task shape."""

    def __init__(
        self,
        backend: EC2ContainerServiceBackend,
        cluster: Any,
        task_definition: Any,
        *,
        started_by: str,
        group: str,
        launch_type: str,
        overrides: dict[str, Any] | None,
        network_configuration: dict[str, Any] | None,
        service_name: str | None,
        deployment_id: str | None,
        now: float,
        tags: list[dict[str, str]] | None = None,
    ):
        self.id = uuid.uuid4().hex
        self.region_name = cluster.region_name
        self.cluster_name = cluster.name
        self.cluster_arn = cluster.arn
        self._account_id = backend.account_id
        self.task_arn = (
            f"arn:aws:ecs:{self.region_name}:{self._account_id}:task/{cluster.name}/{self.id}"
        )
        self.task_definition_arn = task_definition.arn
        self._task_definition = task_definition
        self.container_instance_arn: str | None = None
        self.started_by = started_by
        self.group = group
        self.launch_type = launch_type or "FARGATE"
        self.overrides = overrides or {"containerOverrides": [], "inferenceAcceleratorOverrides": []}
        self.tags = tags or []
        self.cpu = task_definition.cpu
        self.memory = task_definition.memory
        self.last_status = "PROVISIONING"
        self.desired_status = "RUNNING"
        self.health_status = "UNKNOWN"
        self.stopped_reason: str | None = None
        self.stop_code: str | None = None
        self._created = now
        self._started: float | None = None
        self._stopping: float | None = None
        self._stopped: float | None = None
        self._healthy = False
        self._failed = False
        self.service_name = service_name
        self.deployment_id = deployment_id
        self.ip = _next_ip()
        # Port of the task's targets when the backend picks one. Unset, the
        # targets use the service's containerPort.
        self.host_port: int | None = None
        self.attachments: list[dict[str, Any]] = []
        self.version = 1
        if task_definition.network_mode == "awsvpc":
            subnets = ((network_configuration or {}).get("awsvpcConfiguration") or {}).get("subnets") or []
            self.attachments.append(
                {
                    "id": str(uuid.uuid4()),
                    "type": "ElasticNetworkInterface",
                    "status": "ATTACHED",
                    "details": [
                        {"name": "subnetId", "value": subnets[0] if subnets else ""},
                        {"name": "privateIPv4Address", "value": self.ip},
                    ],
                }
            )
        self.containers = [
            EngineContainer(self, definition)
            for definition in task_definition.container_definitions
        ]

    # Timestamps in the Task shape.
    @property
    def created_at(self) -> datetime | None:
        return _dt(self._created)

    @property
    def started_at(self) -> datetime | None:
        return _dt(self._started)

    @property
    def stopping_at(self) -> datetime | None:
        return _dt(self._stopping)

    @property
    def stopped_at(self) -> datetime | None:
        return _dt(self._stopped)

    @property
    def execution_stopped_at(self) -> datetime | None:
        return _dt(self._stopped)

    @property
    def availability_zone(self) -> str:
        return f"{self.region_name}a"

    def advance(self) -> None:
        """moto's describe_tasks calls this for its own state machine; the engine moves tasks itself."""

    @property
    def active(self) -> bool:
        return self.desired_status == "RUNNING"

    def container_env(self, container: EngineContainer) -> dict[str, str]:
        env: dict[str, str] = {}
        for definition in self._task_definition.container_definitions:
            if definition.get("name") == container.name:
                for pair in definition.get("environment") or []:
                    env[str(pair.get("name"))] = str(pair.get("value"))
        for override in self.overrides.get("containerOverrides") or []:
            if override.get("name") == container.name:
                for pair in override.get("environment") or []:
                    env[str(pair.get("name"))] = str(pair.get("value"))
        return env

    def container_command(self, container: EngineContainer) -> list[str] | None:
        for override in self.overrides.get("containerOverrides") or []:
            if override.get("name") == container.name and override.get("command"):
                return [str(part) for part in override["command"]]
        for definition in self._task_definition.container_definitions:
            if definition.get("name") == container.name:
                return definition.get("command")
        return None

    def log_configuration(self, container: EngineContainer) -> dict[str, Any] | None:
        for definition in self._task_definition.container_definitions:
            if definition.get("name") == container.name:
                return definition.get("logConfiguration")
        return None


_IP_COUNTER = [0]


def _next_ip() -> str:
    _IP_COUNTER[0] += 1
    n = _IP_COUNTER[0]
    return f"10.{100 + (n >> 16) % 100}.{(n >> 8) % 256}.{n % 256}"


class Observation:
    """State of a task as the task backend observes it at one moment."""

    def __init__(self, running: bool, healthy: bool | None, exit_code: int | None, reason: str | None = None):
        self.running = running
        # True when healthy, False when unhealthy, None while not known yet.
        self.healthy = healthy
        # Set when the task's essential container has exited.
        self.exit_code = exit_code
        self.reason = reason


class TaskBackend(Protocol):
    def launch(self, task: EngineTask, now: float) -> None: ...

    def observe(self, task: EngineTask, now: float, one_off: bool) -> Observation: ...

    def stop(self, task: EngineTask, now: float) -> None: ...

    def exit_status(self, task: EngineTask) -> tuple[bool, int | None]:
        """Return (exited, exit code) of a task being stopped. The code is None when unknown."""
        ...


class SimulatedTaskBackend:
    """Runs nothing: timings come from the converge time, outcomes from the task definition."""

    name = "simulated"

    def launch(self, task: EngineTask, now: float) -> None:
        pass

    def stop(self, task: EngineTask, now: float) -> None:
        pass

    def exit_status(self, task: EngineTask) -> tuple[bool, int | None]:
        return True, None

    def observe(self, task: EngineTask, now: float, one_off: bool) -> Observation:
        age = now - task._created
        running = age >= CONFIG.share(0.5)
        essential = task.containers[0]
        env = task.container_env(essential)
        failing = env.get(FAILURE_ENV, "") in ("1", "true")
        if one_off:
            if age >= CONFIG.share(1.0) and running:
                return Observation(True, None, _exit_code(task, essential, env))
            return Observation(running, None, None)
        if failing:
            if age >= CONFIG.share(1.0) and running:
                return Observation(True, False, int(env.get(EXIT_CODE_ENV, "1") or 1))
            return Observation(running, False if age >= CONFIG.share(0.75) else None, None)
        return Observation(running, True if age >= CONFIG.share(1.0) else None, None)


def _exit_code(task: EngineTask, container: EngineContainer, env: dict[str, str]) -> int:
    if EXIT_CODE_ENV in env:
        try:
            return int(env[EXIT_CODE_ENV])
        except ValueError:
            return 1
    command = task.container_command(container)
    if command:
        match = re.search(r"\bexit\s+(\d+)", " ".join(command))
        if match:
            return int(match.group(1))
    return 0


SIMULATED_BACKEND = SimulatedTaskBackend()
TASK_BACKEND: TaskBackend = SIMULATED_BACKEND
# Selectable backends: name -> (backend, parser of its settings object).
TASK_BACKENDS: dict[str, tuple[Any, Any]] = {"simulated": (SIMULATED_BACKEND, None)}


def register_task_backend(name: str, backend: Any, parse_settings: Any) -> None:
    """Make a backend selectable through the config endpoint's ``task_backend``."""
    TASK_BACKENDS[name] = (backend, parse_settings)


def _backend_of(task: EngineTask) -> Any:
    return getattr(task, "_kit_backend", None) or TASK_BACKEND


def _launch(task: EngineTask, now: float) -> None:
    task._kit_backend = TASK_BACKEND
    TASK_BACKEND.launch(task, now)


# --------------------------------------------------------------------------
# Engine state lives on moto's objects, so /moto-api/reset clears it.


def _tasks(backend: EC2ContainerServiceBackend) -> list[EngineTask]:
    found = []
    for cluster_tasks in backend.tasks.values():
        for task in cluster_tasks.values():
            if isinstance(task, EngineTask):
                found.append(task)
    return found


def _add_task(backend: EC2ContainerServiceBackend, task: EngineTask) -> None:
    backend.tasks.setdefault(task.cluster_name, {})[task.task_arn] = task


def _event(service: Service, message: str, now: float) -> None:
    service.events.insert(
        0, {"id": str(uuid.uuid4()), "createdAt": _dt(now), "message": f"(service {service.name}) {message}"}
    )
    del service.events[MAX_EVENTS:]


def _new_deployment(service: Service, task_definition_arn: str | None, now: float) -> dict[str, Any]:
    deployment_id = f"ecs-svc/{uuid.uuid4().int % 10**19:019d}"
    return {
        "id": deployment_id,
        "status": "PRIMARY",
        "taskDefinition": task_definition_arn,
        "desiredCount": service.desired_count,
        "pendingCount": 0,
        "runningCount": 0,
        "failedTasks": 0,
        "createdAt": _dt(now),
        "updatedAt": _dt(now),
        "launchType": service.launch_type,
        "platformVersion": getattr(service, "platform_version", None),
        "networkConfiguration": getattr(service, "network_configuration", None) or None,
        "rolloutState": "IN_PROGRESS",
        "rolloutStateReason": f"ECS deployment {deployment_id} in progress.",
    }


def _circuit_breaker(service: Service) -> dict[str, Any]:
    config = getattr(service, "deployment_configuration", None) or {}
    breaker = config.get("deploymentCircuitBreaker") or {}
    return {"enable": bool(breaker.get("enable")), "rollback": bool(breaker.get("rollback"))}


def _failure_threshold(desired: int) -> int:
    return min(max(math.ceil(desired * 0.5), 3), 200)


def _engine_service(service: Service) -> bool:
    return getattr(service, "_kit_engine", False)


def _start_deployment(service: Service, task_definition_arn: str | None, now: float) -> dict[str, Any]:
    for deployment in service.deployments:
        if deployment["status"] == "PRIMARY":
            deployment["status"] = "ACTIVE"
            deployment["updatedAt"] = _dt(now)
    deployment = _new_deployment(service, task_definition_arn, now)
    service.deployments.insert(0, deployment)
    service._kit_steady = False
    return deployment


def _primary(service: Service) -> dict[str, Any] | None:
    for deployment in service.deployments:
        if deployment["status"] == "PRIMARY":
            return deployment
    return None


class Engine:
    def tick(self, account_id: str, region: str) -> None:
        backend = ecs_backends[account_id][region]
        now = _now()
        with LOCK:
            for _ in range(12):
                if not self._step(backend, now):
                    break

    def _step(self, backend: EC2ContainerServiceBackend, now: float) -> bool:
        changed = False
        services = {}
        for service in backend.services.values():
            if _engine_service(service):
                services[(service.cluster_name, service.name)] = service
        for task in _tasks(backend):
            service = services.get((task.cluster_name, task.service_name or ""))
            changed |= self._advance_task(backend, task, service, now)
        for service in services.values():
            changed |= self._schedule(backend, service, now)
        return changed

    # ---- tasks

    def _advance_task(
        self, backend: EC2ContainerServiceBackend, task: EngineTask, service: Service | None, now: float
    ) -> bool:
        if task.last_status == "STOPPED":
            return False
        if not task.active:
            # Stopping: targets drain and the process exits, then the task stops.
            if task._stopping is not None and now - task._stopping >= CONFIG.share(0.5):
                exited, exit_code = _backend_of(task).exit_status(task)
                if not exited:
                    return False
                essential = task.containers[0]
                if essential.exit_code is None and exit_code is not None and task._started is not None:
                    essential.exit_code = exit_code
                self._finish_stop(backend, task, service, now)
                return True
            return False
        one_off = task.service_name is None
        seen = _backend_of(task).observe(task, now, one_off)
        changed = False
        if task.last_status == "PROVISIONING" and now - task._created >= CONFIG.share(0.25):
            task.last_status = "PENDING"
            changed = True
        if seen.reason is not None and not seen.running and task.last_status in ("PROVISIONING", "PENDING"):
            task._failed = True
            task.containers[0].reason = seen.reason
            self._begin_stop(backend, task, service, now, seen.reason, "TaskFailedToStart")
            if service is not None:
                _event(service, f"(task {task.id}) failed to start: {seen.reason}", now)
            return True
        if seen.running and task.last_status in ("PROVISIONING", "PENDING"):
            task.last_status = "RUNNING"
            task._started = now
            for container in task.containers:
                container.last_status = "RUNNING"
            _write_logs(task, now, "start")
            if service is not None:
                _register_targets(backend, service, task)
            changed = True
        if task.last_status != "RUNNING":
            return changed
        if service is not None and seen.healthy is not None and seen.healthy != task._healthy:
            task._healthy = bool(seen.healthy)
            task.health_status = "HEALTHY" if seen.healthy else "UNHEALTHY"
            _set_target_health(backend, service, task, "healthy" if seen.healthy else "unhealthy")
            changed = True
        elif service is not None and seen.healthy is False and not task._failed:
            task._failed = True
            _set_target_health(backend, service, task, "unhealthy")
            changed = True
        if seen.exit_code is not None:
            for container in task.containers:
                container.exit_code = seen.exit_code if container is task.containers[0] else 0
            task.containers[0].reason = None
            _write_logs(task, now, "exit", seen.exit_code)
            if service is not None and seen.healthy is False:
                groups = ", ".join(f"(target-group {lb.get('targetGroupArn')})" for lb in service.load_balancers)
                reason = f"Task failed ELB health checks in {groups}" if groups else "Essential container in task exited"
                task.stop_code = "ServiceSchedulerInitiated" if groups else "EssentialContainerExited"
                _event(service, f"(task {task.id}) failed container health checks.", now)
            else:
                reason = "Essential container in task exited"
                task.stop_code = "EssentialContainerExited"
            task.stopped_reason = reason
            task._failed = task._failed or seen.exit_code != 0 or seen.healthy is False
            self._begin_stop(backend, task, service, now, reason, task.stop_code)
            changed = True
        return changed

    def _begin_stop(
        self, backend: EC2ContainerServiceBackend, task: EngineTask, service: Service | None,
        now: float, reason: str, stop_code: str,
    ) -> None:
        task.desired_status = "STOPPED"
        task.stopped_reason = task.stopped_reason or reason
        task.stop_code = task.stop_code or stop_code
        task._stopping = now
        if task.last_status == "RUNNING" and service is not None and service.load_balancers:
            task.last_status = "DEACTIVATING"
            _drain_targets(backend, service, task)
        else:
            task.last_status = "DEPROVISIONING"
        _backend_of(task).stop(task, now)

    def _finish_stop(
        self, backend: EC2ContainerServiceBackend, task: EngineTask, service: Service | None, now: float
    ) -> None:
        task.last_status = "STOPPED"
        task._stopped = now
        for container in task.containers:
            container.last_status = "STOPPED"
            if container.exit_code is None and task._started is not None:
                container.exit_code = 143 if task.stop_code == "ServiceSchedulerInitiated" else 0
        if service is not None:
            _remove_targets(backend, service, task)

    # ---- scheduler

    def _schedule(self, backend: EC2ContainerServiceBackend, service: Service, now: float) -> bool:
        changed = False
        cluster = backend.clusters[service.cluster_name]
        tasks = [t for t in _tasks(backend) if t.service_name == service.name and t.cluster_name == service.cluster_name]
        by_deployment: dict[str, list[EngineTask]] = {}
        for task in tasks:
            by_deployment.setdefault(task.deployment_id or "", []).append(task)

        primary = _primary(service)
        # Failed tasks of the primary deployment: counted once each.
        if primary is not None:
            for task in by_deployment.get(primary["id"], []):
                if task._failed and not getattr(task, "_counted", False):
                    task._counted = True
                    primary["failedTasks"] += 1
                    changed = True
            breaker = _circuit_breaker(service)
            if (
                breaker["enable"]
                and primary["rolloutState"] == "IN_PROGRESS"
                and primary["failedTasks"] >= _failure_threshold(primary["desiredCount"])
            ):
                changed = True
                primary["rolloutState"] = "FAILED"
                primary["rolloutStateReason"] = (
                    "ECS deployment circuit breaker: tasks failed to start."
                )
                primary["updatedAt"] = _dt(now)
                _event(service, f"(deployment {primary['id']}) deployment failed: tasks failed to start.", now)
                previous = getattr(service, "_kit_last_completed", None)
                if breaker["rollback"] and previous is not None and previous["taskDefinition"] != primary["taskDefinition"]:
                    rollback = _start_deployment(service, previous["taskDefinition"], now)
                    service.task_definition = previous["taskDefinition"]
                    _event(service, f"rolling back to deployment {previous['id']}.", now)
                    primary = rollback

        # Start or stop tasks of the primary deployment.
        if primary is not None and primary["rolloutState"] != "FAILED":
            own = [t for t in by_deployment.get(primary["id"], []) if t.active]
            missing = primary["desiredCount"] - len(own)
            if missing > 0 and primary["taskDefinition"]:
                task_definition = backend.describe_task_definition(primary["taskDefinition"])
                started = []
                for _ in range(missing):
                    task = EngineTask(
                        backend, cluster, task_definition,
                        started_by=primary["id"], group=f"service:{service.name}",
                        launch_type=service.launch_type or "FARGATE", overrides=None,
                        network_configuration=getattr(service, "network_configuration", None),
                        service_name=service.name, deployment_id=primary["id"], now=now,
                    )
                    _add_task(backend, task)
                    _launch(task, now)
                    started.append(task)
                _event(service, f"has started {len(started)} tasks: {' '.join(f'(task {t.id})' for t in started)}.", now)
                service._kit_steady = False
                changed = True
            elif missing < 0:
                extra = sorted(own, key=lambda t: t._created, reverse=True)[: -missing]
                self._stop_tasks(backend, service, extra, primary["id"], now)
                changed = True

        # Old deployments drain once the primary one serves its desired count.
        primary_ready = primary is not None and self._ready(service, primary, by_deployment)
        for deployment in list(service.deployments):
            if deployment is primary:
                continue
            live = [t for t in by_deployment.get(deployment["id"], []) if t.active]
            if primary_ready and live:
                self._stop_tasks(backend, service, live, primary["id"] if primary else "", now)
                changed = True
            remaining = [t for t in by_deployment.get(deployment["id"], []) if t.last_status != "STOPPED"]
            if primary_ready and not remaining:
                service.deployments.remove(deployment)
                changed = True

        # Counts.
        for deployment in service.deployments:
            own = [t for t in by_deployment.get(deployment["id"], []) if t.active]
            running = sum(1 for t in own if t.last_status == "RUNNING")
            pending = sum(1 for t in own if t.last_status in ("PROVISIONING", "PENDING"))
            if deployment["runningCount"] != running or deployment["pendingCount"] != pending:
                deployment["runningCount"] = running
                deployment["pendingCount"] = pending
                deployment["updatedAt"] = _dt(now)
                changed = True
        live_tasks = [t for t in tasks if t.last_status == "RUNNING"]
        service.running_count = len(live_tasks)
        service.pending_count = sum(1 for t in tasks if t.active and t.last_status in ("PROVISIONING", "PENDING"))

        if (
            primary is not None
            and primary_ready
            and len(service.deployments) == 1
            and primary["rolloutState"] in ("IN_PROGRESS", "COMPLETED")
            and not getattr(service, "_kit_steady", False)
        ):
            if primary["rolloutState"] == "IN_PROGRESS":
                primary["rolloutState"] = "COMPLETED"
                primary["rolloutStateReason"] = f"ECS deployment {primary['id']} completed."
                primary["updatedAt"] = _dt(now)
                _event(service, f"(deployment {primary['id']}) deployment completed.", now)
            service._kit_last_completed = {"id": primary["id"], "taskDefinition": primary["taskDefinition"]}
            service._kit_steady = True
            _event(service, "has reached a steady state.", now)
            changed = True
        return changed

    def _ready(self, service: Service, deployment: dict[str, Any], by_deployment: dict[str, list[EngineTask]]) -> bool:
        own = [t for t in by_deployment.get(deployment["id"], []) if t.active and t.last_status == "RUNNING"]
        if len(own) != deployment["desiredCount"]:
            return False
        if service.load_balancers:
            return all(t._healthy for t in own)
        return True

    def _stop_tasks(
        self, backend: EC2ContainerServiceBackend, service: Service, tasks: list[EngineTask], deployment_id: str, now: float
    ) -> None:
        if not tasks:
            return
        draining = [t for t in tasks if t.last_status == "RUNNING"]
        if draining and service.load_balancers:
            _event(service, f"has begun draining connections on {len(draining)} tasks.", now)
        for task in tasks:
            self._begin_stop(
                backend, task, service, now,
                f"Scaling activity initiated by (deployment {deployment_id})", "ServiceSchedulerInitiated",
            )
        _event(service, f"has stopped {len(tasks)} running tasks: {' '.join(f'(task {t.id})' for t in tasks)}.", now)
        service._kit_steady = False


ENGINE = Engine()


# --------------------------------------------------------------------------
# Target groups


def _target_groups(backend: EC2ContainerServiceBackend, service: Service) -> list[tuple[FakeTargetGroup, int]]:
    elbv2 = elbv2_backends[backend.account_id][backend.region_name]
    groups = []
    for lb in service.load_balancers or []:
        group = elbv2.target_groups.get(lb.get("targetGroupArn", ""))
        if group is not None:
            groups.append((group, int(lb.get("containerPort") or group.port or 80)))
    return groups


def _health_map(group: FakeTargetGroup) -> dict[str, tuple[str, str | None, str | None]]:
    if not hasattr(group, "_kit_health"):
        group._kit_health = {}
    return group._kit_health


def _draining_map(group: FakeTargetGroup) -> dict[str, int]:
    if not hasattr(group, "_kit_draining"):
        group._kit_draining = {}
    return group._kit_draining


def _register_targets(backend: EC2ContainerServiceBackend, service: Service, task: EngineTask) -> None:
    groups = _target_groups(backend, service)
    for group, port in groups:
        group.register([{"Id": task.ip, "Port": task.host_port or port}])
        _health_map(group)[task.ip] = ("initial", "Elb.RegistrationInProgress", "Target registration is in progress")
    if groups:
        _event(service, f"registered 1 targets in {' '.join(f'(target-group {g.arn})' for g, _ in groups)}", _now())


def _set_target_health(backend: EC2ContainerServiceBackend, service: Service, task: EngineTask, state: str) -> None:
    for group, _port in _target_groups(backend, service):
        if task.ip in group.targets:
            if state == "healthy":
                _health_map(group)[task.ip] = ("healthy", None, None)
            else:
                _health_map(group)[task.ip] = (
                    "unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [500]",
                )


def _drain_targets(backend: EC2ContainerServiceBackend, service: Service, task: EngineTask) -> None:
    groups = []
    for group, port in _target_groups(backend, service):
        if task.ip in group.targets:
            group.targets.pop(task.ip, None)
            _draining_map(group)[task.ip] = task.host_port or port
            _health_map(group)[task.ip] = (
                "draining", "Target.DeregistrationInProgress", "Target deregistration is in progress",
            )
            groups.append(group)
    if groups:
        _event(service, f"deregistered 1 targets in {' '.join(f'(target-group {g.arn})' for g in groups)}", _now())


def _remove_targets(backend: EC2ContainerServiceBackend, service: Service, task: EngineTask) -> None:
    for group, port in _target_groups(backend, service):
        group.targets.pop(task.ip, None)
        if _draining_map(group).pop(task.ip, None) is not None or task.ip in _health_map(group):
            group.deregistered_targets[task.ip] = {"Id": task.ip, "Port": task.host_port or port}
        _health_map(group).pop(task.ip, None)


_original_health_for = FakeTargetGroup.health_for
_original_describe_target_health = ELBv2Backend.describe_target_health


def health_for(self: FakeTargetGroup, target: dict[str, Any], ec2_backend: Any) -> FakeHealthStatus:
    state = getattr(self, "_kit_health", {}).get(target["Id"])
    if state is not None and (target["Id"] in self.targets or target["Id"] in getattr(self, "_kit_draining", {})):
        port = self.targets.get(target["Id"], {}).get("Port") or getattr(self, "_kit_draining", {}).get(target["Id"])
        return FakeHealthStatus(target["Id"], port, self.health_check_port, state[0], state[1], state[2])
    return _original_health_for(self, target, ec2_backend)


def describe_target_health(self: ELBv2Backend, target_group_arn: str, targets: list[dict[str, Any]]) -> list[FakeHealthStatus]:
    ENGINE.tick(self.account_id, self.region_name)
    group = self.target_groups.get(target_group_arn)
    if group is not None and not targets:
        draining = [{"Id": ip, "Port": port} for ip, port in getattr(group, "_kit_draining", {}).items()]
        targets = list(group.targets.values()) + draining
    return _original_describe_target_health(self, target_group_arn, targets)


# --------------------------------------------------------------------------
# Logs


def _log_stream(task: EngineTask, container: EngineContainer) -> tuple[LogsBackend, str, str] | None:
    """Find the container's awslogs stream, creating it if needed, as (backend, group, stream)."""
    config = task.log_configuration(container) or {}
    if config.get("logDriver") != "awslogs":
        return None
    options = config.get("options") or {}
    group_name = options.get("awslogs-group")
    if not group_name:
        return None
    region = options.get("awslogs-region") or task.region_name
    try:
        logs: LogsBackend = logs_backends[task._account_id][region]
    except KeyError:
        return None
    if group_name not in logs.groups:
        if str(options.get("awslogs-create-group", "")).lower() != "true":
            return None
        logs.create_log_group(group_name, {})
    prefix = options.get("awslogs-stream-prefix")
    stream = f"{prefix}/{container.name}/{task.id}" if prefix else task.id
    if stream not in logs.groups[group_name].streams:
        logs.create_log_stream(group_name, stream)
    return logs, group_name, stream


def put_task_log_lines(task: EngineTask, container: EngineContainer, lines: list[str], now: float) -> None:
    """Append lines to the container's awslogs stream, if it has one. Call it with LOCK held."""
    target = _log_stream(task, container)
    if target is None or not lines:
        return
    logs, group_name, stream = target
    stamp = int(now * 1000)
    logs.put_log_events(group_name, stream, [{"timestamp": stamp, "message": line} for line in lines])


def _write_logs(task: EngineTask, now: float, moment: str, exit_code: int | None = None) -> None:
    for container in task.containers:
        env = task.container_env(container)
        lines: list[str]
        if moment == "start":
            lines = [f"container {container.name} started from {container.image}"]
            command = task.container_command(container)
            if command:
                lines.append(f"running command: {json.dumps(command)}")
            lines.extend(part for part in env.get(LOG_ENV, "").split("|") if part)
            if env.get(FAILURE_ENV, "") in ("1", "true"):
                lines.append(f"Error: simulated start-up failure ({FAILURE_ENV}={env[FAILURE_ENV]})")
        else:
            if container is not task.containers[0]:
                continue
            lines = [f"process exited with code {exit_code}"]
        put_task_log_lines(task, container, lines, now)


def _tick_logs(method: Any) -> Any:
    def wrapper(self: LogsBackend, *args: Any, **kwargs: Any) -> Any:
        ENGINE.tick(self.account_id, self.region_name)
        return method(self, *args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------
# ECS operations


_original_create_service = EC2ContainerServiceResponse.create_service
_original_update_service = EC2ContainerServiceBackend.update_service
_original_describe_services = EC2ContainerServiceBackend.describe_services
_original_list_tasks = EC2ContainerServiceBackend.list_tasks
_original_describe_tasks = EC2ContainerServiceBackend.describe_tasks
_original_stop_task = EC2ContainerServiceBackend.stop_task
_original_delete_service = EC2ContainerServiceBackend.delete_service

DEFAULT_DEPLOYMENT_CONFIGURATION = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}


def create_service(self: EC2ContainerServiceResponse) -> Any:
    result = _original_create_service(self)
    backend = self.ecs_backend
    cluster = backend._get_cluster(self._get_param("cluster", "default"))
    service = backend.services[f"{cluster.name}:{self._get_param('serviceName')}"]
    with LOCK:
        config = self._get_param("deploymentConfiguration")
        service.deployment_configuration = config or json.loads(json.dumps(DEFAULT_DEPLOYMENT_CONFIGURATION))
        if service.deployment_controller.get("type", "ECS") == "ECS":
            service._kit_engine = True
            service.running_count = 0
            service.pending_count = 0
            service.deployments = []
            _start_deployment(service, service.task_definition, _now())
    ENGINE.tick(backend.account_id, backend.region_name)
    return result


def update_service(self: EC2ContainerServiceBackend, service_properties: dict[str, Any]) -> Service:
    cluster = self._get_cluster(service_properties.get("cluster", "default"))
    name = str(service_properties.get("service", "")).split("/")[-1]
    service = self._get_service(cluster.name, name)
    if not _engine_service(service):
        return _original_update_service(self, service_properties)
    with LOCK:
        ENGINE.tick(self.account_id, self.region_name)
        task_definition = service_properties.get("task_definition")
        new_arn = self.describe_task_definition(task_definition).arn if task_definition else None
        force = bool(service_properties.get("force_new_deployment"))
        running, pending = service.running_count, service.pending_count
        # moto's update_service gives deployments[0] a new id and new times
        # on forceNewDeployment. That orphans the tasks of the current
        # deployment, which then never drain, so the engine restores the old
        # values and starts a deployment of its own below.
        original_values = [(d, d["id"], d["createdAt"], d["updatedAt"]) for d in service.deployments]
        result = _original_update_service(self, dict(service_properties))
        for deployment, deployment_id, created_at, updated_at in original_values:
            deployment["id"] = deployment_id
            deployment["createdAt"] = created_at
            deployment["updatedAt"] = updated_at
        service.running_count, service.pending_count = running, pending
        now = _now()
        primary = _primary(service)
        if new_arn is not None:
            service.task_definition = new_arn
        target = service.task_definition
        if primary is None or force or (new_arn is not None and new_arn != primary["taskDefinition"]):
            _start_deployment(service, target, now)
        elif primary["desiredCount"] != service.desired_count:
            primary["desiredCount"] = service.desired_count
            primary["updatedAt"] = _dt(now)
            service._kit_steady = False
    ENGINE.tick(self.account_id, self.region_name)
    return result


def describe_services(self: EC2ContainerServiceBackend, cluster_str: str, names: list[str]) -> Any:
    ENGINE.tick(self.account_id, self.region_name)
    return _original_describe_services(self, cluster_str, names)


def list_tasks(
    self: EC2ContainerServiceBackend,
    cluster_str: str | None = None,
    container_instance: str | None = None,
    family: str | None = None,
    started_by: str | None = None,
    service_name: str | None = None,
    desiredStatus: str | None = None,
) -> list[Any]:
    ENGINE.tick(self.account_id, self.region_name)
    tasks = _original_list_tasks(self, cluster_str, container_instance, family, started_by, None, desiredStatus or "RUNNING")
    if service_name:
        name = service_name.split("/")[-1]
        tasks = [t for t in tasks if getattr(t, "service_name", None) == name]
    return tasks


def describe_tasks(self: EC2ContainerServiceBackend, cluster_str: str, tasks: list[str]) -> list[Any]:
    ENGINE.tick(self.account_id, self.region_name)
    return _original_describe_tasks(self, cluster_str, tasks)


def stop_task(self: EC2ContainerServiceBackend, cluster_str: str, task_str: str, reason: str) -> Any:
    cluster = self._get_cluster(cluster_str)
    task_id = task_str.split("/")[-1]
    with LOCK:
        for arn, task in self.tasks.get(cluster.name, {}).items():
            if arn.endswith(task_id) and isinstance(task, EngineTask):
                if task.active:
                    service = None
                    if task.service_name:
                        service = self.services.get(f"{cluster.name}:{task.service_name}")
                    task.stop_code = "UserInitiated"
                    ENGINE._begin_stop(self, task, service, _now(), reason or "Task stopped by user", "UserInitiated")
                ENGINE.tick(self.account_id, self.region_name)
                return task
    return _original_stop_task(self, cluster_str, task_str, reason)


def delete_service(self: EC2ContainerServiceBackend, cluster_name: str, service_name: str, force: bool) -> Any:
    result = _original_delete_service(self, cluster_name, service_name, force)
    with LOCK:
        now = _now()
        for task in _tasks(self):
            if task.service_name == result.name and task.cluster_name == result.cluster_name and task.active:
                ENGINE._begin_stop(self, task, None, now, "Service deleted", "ServiceSchedulerInitiated")
    return result


def run_task(
    self: EC2ContainerServiceBackend,
    cluster_str: str,
    task_definition_str: str,
    count: int,
    overrides: dict[str, Any] | None,
    started_by: str,
    tags: list[dict[str, str]] | None,
    launch_type: str | None,
    networking_configuration: dict[str, Any] | None = None,
    group: str | None = None,
    platform_version: str | None = None,
) -> list[Any]:
    if launch_type and launch_type not in ["EC2", "FARGATE", "EXTERNAL"]:
        raise InvalidParameterException("launch type should be one of [EC2,FARGATE,EXTERNAL]")
    cluster = self._get_cluster(cluster_str)
    task_definition = self.describe_task_definition(task_definition_str)
    if not 1 <= int(count or 1) <= 10:
        raise InvalidParameterException("count must be between 1 and 10.")
    if task_definition.network_mode == "awsvpc" and not networking_configuration:
        raise InvalidParameterException(
            "Network Configuration must be provided when networkMode 'awsvpc' is specified."
        )
    now = _now()
    created = []
    with LOCK:
        for _ in range(int(count or 1)):
            task = EngineTask(
                self, cluster, task_definition,
                started_by=started_by or "", group=group or f"family:{task_definition.family}",
                launch_type=launch_type or "FARGATE", overrides=overrides,
                network_configuration=networking_configuration, service_name=None,
                deployment_id=None, now=now, tags=tags,
            )
            _add_task(self, task)
            _launch(task, now)
            created.append(task)
    ENGINE.tick(self.account_id, self.region_name)
    return created


# --------------------------------------------------------------------------
# Control endpoints


def _json_body(request: Any, headers: Any) -> dict[str, Any]:
    length = int(headers.get("Content-Length") or 0)
    if length == 0:
        return {}
    raw = request.environ["wsgi.input"].read(length).decode("utf-8")
    body = json.loads(raw or "{}")
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _select_task_backend(name: Any, settings: Any) -> None:
    global TASK_BACKEND
    if name not in TASK_BACKENDS:
        raise ValueError(f"task_backend={name!r} is unknown; expected one of {', '.join(sorted(TASK_BACKENDS))}")
    backend, parse_settings = TASK_BACKENDS[name]
    if parse_settings is not None:
        backend.configure(parse_settings(settings))
    elif settings is not None:
        raise ValueError(f"task_backend {name!r} takes no {name!r} settings")
    previous = TASK_BACKEND
    TASK_BACKEND = backend
    if previous is not backend and hasattr(previous, "stop_all"):
        previous.stop_all()


def _config_json() -> dict[str, Any]:
    body: dict[str, Any] = {"converge_seconds": CONFIG.converge_seconds, "task_backend": TASK_BACKEND.name}
    if hasattr(TASK_BACKEND, "settings"):
        body[TASK_BACKEND.name] = TASK_BACKEND.settings.as_json()
    return body


def config_endpoint(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    try:
        if request.method == "POST":
            body = _json_body(request, headers)
            if "converge_seconds" in body:
                value = float(body["converge_seconds"])
                if not 0 <= value <= 3600:
                    raise ValueError("converge_seconds must be from 0 to 3600")
            if "task_backend" in body:
                name = body["task_backend"]
                _select_task_backend(name, body.get(name))
            elif body.get("reset"):
                _select_task_backend("simulated", None)
            if body.get("reset"):
                CONFIG.converge_seconds = _converge_from_env()
            if "converge_seconds" in body:
                CONFIG.converge_seconds = float(body["converge_seconds"])
    except (ValueError, TypeError) as error:
        return 400, {"Content-Type": "application/json"}, json.dumps({"error": str(error)})
    return 200, {"Content-Type": "application/json"}, json.dumps(_config_json())


LB_ARN = re.compile(r"^arn:[\w-]+:elasticloadbalancing:([\w-]+):(\d{12}):loadbalancer/(app/[^/]+/[0-9a-f]+)$")
TG_ARN = re.compile(r"^arn:[\w-]+:elasticloadbalancing:[\w-]+:\d{12}:(targetgroup/[^/]+/[0-9a-f]+)$")
METRICS_5XX = ("HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count")


def alb_5xx_endpoint(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    try:
        body = _json_body(request, headers)
        match = LB_ARN.match(str(body.get("load_balancer_arn", "")))
        if match is None:
            raise ValueError("load_balancer_arn must be an application load balancer ARN")
        count = float(body.get("count", 1))
        metric = str(body.get("metric", METRICS_5XX[0]))
        if metric not in METRICS_5XX:
            raise ValueError(f"metric must be one of {', '.join(METRICS_5XX)}")
        region, account, lb_dimension = match.groups()
        dimensions = [{"Name": "LoadBalancer", "Value": lb_dimension}]
        # No Timestamp: moto stamps the datum with its own (naive UTC) clock.
        data = [{"MetricName": metric, "Dimensions": dimensions, "Value": count, "Unit": "Count"}]
        tg = body.get("target_group_arn")
        if tg:
            tg_match = TG_ARN.match(str(tg))
            if tg_match is None:
                raise ValueError("target_group_arn must be a target group ARN")
            data.append({**data[0], "Dimensions": dimensions + [{"Name": "TargetGroup", "Value": tg_match.group(1)}]})
        cloudwatch_backends[account][region].put_metric_data("AWS/ApplicationELB", data)
    except (ValueError, TypeError) as error:
        return 400, {"Content-Type": "application/json"}, json.dumps({"error": str(error)})
    return 200, {"Content-Type": "application/json"}, json.dumps({"recorded": count, "metric": metric})


def install() -> None:
    CONFIG.converge_seconds = _converge_from_env()
    EC2ContainerServiceResponse.create_service = create_service  # type: ignore[method-assign]
    EC2ContainerServiceBackend.update_service = update_service  # type: ignore[method-assign]
    EC2ContainerServiceBackend.describe_services = describe_services  # type: ignore[method-assign]
    EC2ContainerServiceBackend.list_tasks = list_tasks  # type: ignore[method-assign]
    EC2ContainerServiceBackend.describe_tasks = describe_tasks  # type: ignore[method-assign]
    EC2ContainerServiceBackend.stop_task = stop_task  # type: ignore[method-assign]
    EC2ContainerServiceBackend.run_task = run_task  # type: ignore[method-assign]
    EC2ContainerServiceBackend.delete_service = delete_service  # type: ignore[method-assign]
    FakeTargetGroup.health_for = health_for  # type: ignore[method-assign]
    ELBv2Backend.describe_target_health = describe_target_health  # type: ignore[method-assign]
    for name in ("get_log_events", "filter_log_events", "describe_log_streams"):
        setattr(LogsBackend, name, _tick_logs(getattr(LogsBackend, name)))

    from moto.moto_api._internal import urls as moto_api_urls

    moto_api_urls.url_paths["{0}/moto-api/kit/ecs-engine/config"] = config_endpoint
    moto_api_urls.url_paths["{0}/moto-api/kit/ecs-engine/alb-5xx"] = alb_5xx_endpoint
