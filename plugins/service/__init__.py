"""Customer service (客户服务): service requests, 24-hour replies, on-site visits."""
