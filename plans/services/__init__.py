"""Every write to plans, one module a subject (``plans.services.individual_plan`` …)."""
