"""HTTP layer: the app factory, routes that only translate, and the error renderer."""
