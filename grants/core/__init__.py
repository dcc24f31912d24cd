"""What every area shares: model base, audit, money, times, errors, permissions, workflows, jobs."""
