"""One module per management API resource: its input serializer and its views."""
