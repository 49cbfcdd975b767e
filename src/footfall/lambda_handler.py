"""AWS Lambda entry point: the same ASGI app behind an API Gateway HTTP API (Mangum).

The app is built once per execution environment (at cold start) from ``FOOTFALL_*``
variables. Mangum would run the ASGI lifespan around every invocation, which would
close the store after each request, so lifespan is off and the app's services start
on the first request instead and live as long as the environment. Every request
still returns only after its events are committed, so a frozen or recycled
environment loses nothing acknowledged. Terraform: deploy/terraform/modules/lambda.
"""

from __future__ import annotations

from mangum import Mangum
from starlette.types import Receive, Scope, Send

from footfall.web.app import FootfallApp, create_app


class StartedOnce:
    """Starts the app's services (write buffer, housekeeping) on first use."""

    def __init__(self, app: FootfallApp) -> None:
        self.app = app
        self.state = app.state
        self._started = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._started:
            await self.app.state.services.start()
            self._started = True
        await self.app(scope, receive, send)


handler = Mangum(StartedOnce(create_app()), lifespan="off", api_gateway_base_path="/")
