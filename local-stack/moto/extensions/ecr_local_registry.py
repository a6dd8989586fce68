"""ECR GetAuthorizationToken that points at the local OCI registry.

moto 5.2.1 returns ``https://<account>.dkr.ecr.<region>.amazonaws.com`` as
the proxy endpoint and an ``expiresAt`` of 2015-01-01. Handing that host to
``docker login`` would send a DNS look-up off this machine, and a client
that checks ``expiresAt`` would treat the token as already expired.

This extension returns, for each requested registry id:

- ``proxyEndpoint``: ``http://<KIT_LOCAL_REGISTRY>``. The scheme is http
  because the local registry serves plain HTTP.
- ``authorizationToken``: base64 of ``AWS:<registryId>-auth-token``, the
  same user name and password shape as moto (the local registry accepts
  any credentials).
- ``expiresAt``: 12 hours after the request, the lifetime ECR documents for
  its tokens.

Environment:

- ``KIT_LOCAL_REGISTRY``: ``host:port`` of the local registry, for example
  ``127.0.0.1:5000``. The host must be a loopback address or ``localhost``.
  When the variable is unset, GetAuthorizationToken fails with
  InvalidParameterException instead of returning a host off this machine.
"""

from __future__ import annotations

import ipaddress
import os
import time
from base64 import b64encode

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.ecr.responses import ECRResponse

ENV_NAME = "KIT_LOCAL_REGISTRY"
TOKEN_LIFETIME_SECONDS = 12 * 60 * 60


class InvalidParameterException(ServiceException):
    code = "InvalidParameterException"


def parse_registry_address(value: str) -> str:
    """Return ``host:port`` after checking that the host is on this machine."""
    host, separator, port = value.strip().rpartition(":")
    if not separator or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(
            f"{ENV_NAME}={value!r} is invalid: expected host:port, "
            "for example 127.0.0.1:5000"
        )
    if host != "localhost":
        try:
            loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError(
                f"{ENV_NAME}={value!r} is invalid: the host must be a loopback "
                "address or localhost"
            )
    return f"{host}:{port}"


def get_authorization_token(self: ECRResponse) -> ActionResult:
    configured = os.environ.get(ENV_NAME, "")
    if not configured:
        raise InvalidParameterException(
            f"{ENV_NAME} is not set in the moto server's environment, so there "
            "is no local registry to return. Start moto through the local stack."
        )
    address = parse_registry_address(configured)
    registry_ids = self._get_param("registryIds") or [self.current_account]
    expires_at = time.time() + TOKEN_LIFETIME_SECONDS
    auth_data = []
    for registry_id in registry_ids:
        token = b64encode(f"AWS:{registry_id}-auth-token".encode("ascii")).decode()
        auth_data.append(
            {
                "authorizationToken": token,
                "expiresAt": expires_at,
                "proxyEndpoint": f"http://{address}",
            }
        )
    return ActionResult({"authorizationData": auth_data})


def install() -> None:
    configured = os.environ.get(ENV_NAME, "")
    if configured:
        # Fail at start-up, not on the first request, when the value is bad.
        parse_registry_address(configured)
    ECRResponse.get_authorization_token = get_authorization_token  # type: ignore[method-assign]
