"""claims service: 失业登记、资格审核与待遇期限、社区核实、按月发放、停发、公示 (R14–R19, N§3, N§5).

Separation filings, registration, explained eligibility, community verification, payments, stops, public disclosure."""
