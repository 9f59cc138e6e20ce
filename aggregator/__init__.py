"""Feed aggregator and publisher for a multilingual community news portal."""

__version__ = "0.1.0"
