"""KPI report: containment, handoffs, satisfaction, from the tracker store and the outbox."""
