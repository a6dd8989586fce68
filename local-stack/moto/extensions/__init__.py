"""moto extensions: behaviour the kit needs that moto 5.2 lacks.

The launcher (``../launcher.py``) imports every module of this package whose
name does not start with an underscore, in name order, and calls its
``install()`` function before the server starts. An extension changes moto
by replacing a method on one of moto's classes, for example::

    from moto.ecr.responses import ECRResponse

    def install() -> None:
        ECRResponse.get_authorization_token = get_authorization_token

Which class to patch:

- ``moto.<service>.responses.<Service>Response`` methods are named after the
  API operation in snake case (``get_authorization_token``). moto's server
  creates one response object per request and looks the method up by name,
  so replacing the class attribute changes every later request. Replace a
  response method to change what an operation returns.
- ``moto.<service>.models.<Service>Backend`` methods hold the state
  changes. Replace a backend method to change how the stored models evolve
  (for example the deployments that ECS ``update_service`` records).

Rules for an extension:

- Follow the AWS API reference for every field, type and error code that
  the patched operation returns. Raise ``moto.core.exceptions``
  ``ServiceException`` subclasses for errors, so the server serializes them
  as the service's error shape.
- Read settings from environment variables of the moto process (the stack
  passes them when it starts the launcher). Document each variable in the
  module docstring.
- Keep each extension in its own module with an ``install()`` function and
  cover it with a test that calls the patched operation through the AWS SDK
  against a running server.
"""
