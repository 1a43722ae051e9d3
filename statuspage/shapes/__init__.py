"""Statuspage's JSON shapes, built in one place for every surface that sends them.

`objects` defines each object once (page, component, group, incident, update, maintenance,
status); /api/v2 sends the public shapes, the webhook payloads and /v1 send the full ones, which
extend them. A key added to a public shape therefore appears in all three. `fields` holds the
conventions every shape follows (timestamps, nulls, constants).

This package reads statuspage.status and statuspage.lib only: the API and the notifier import
it, never the other way round.
"""
