"""Shopdesk's Rasa side: domain, endpoints, custom NLU components and the launcher."""
