"""layoff-reporting service: 企业规模裁员提前30日报告、征求工会意见、优先录用、吸纳就业激励 (N§7, LL27).

Mass-layoff filings, thresholds, consultation, rehire priority, hiring incentives."""
