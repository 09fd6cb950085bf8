"""Local HTTP servers that implement the subset of third-party APIs Shopdesk uses."""
