"""Payment-capacity alerts (N§8): raised and closed with the capacity, addressed to three recipients, each of
whom acknowledges; delivered to webhooks with retries and a record of every delivery."""
