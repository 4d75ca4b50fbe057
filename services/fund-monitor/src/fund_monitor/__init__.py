"""fund-monitor service: 失业保险基金收支、支付能力、低于两个月预警、缺口弥补方案、全省监测 (N§2, N§4, N§8).

Fund flows, payment capacity, alerts, shortfall plans, provincial dashboard."""
