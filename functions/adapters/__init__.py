"""Adapters from the core's ports to AWS services, one module per port and technology."""
