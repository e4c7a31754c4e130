"""Lambda entry point of the domains' scheduled jobs (expiring pending transfers, ...): run
every minute, it runs each installed domain's jobs on that domain's service. A job that fails,
or fails in part, does not keep the others from running; each failure is logged, the run then
fails (alarmed), and the next minute's tries again."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import bootstrap, tracing
from hosting.domain import JobFailed, TimeLeft
from hosting.host import Host

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()


class JobsFailed(Exception):
    """At least one job raised; each is logged with its name."""


def run_jobs(host: Host, time_left: TimeLeft = lambda: 60.0) -> dict[str, int]:
    """Every installed domain's jobs, once each; how many things each acted on."""
    done: dict[str, int] = {}
    failed: list[str] = []
    for domain, job in host.catalogue.jobs():
        try:
            done[job.name] = job.run(host.service(domain.name), time_left)
        except JobFailed as partly:
            done[job.name] = partly.done
            for piece, why in partly.failures.items():
                logger.error("job failed in part", extra={"job": job.name, "on": piece, "why": why})
            failed.append(job.name)
        except Exception:  # one job's fault must not stop another's: logged, then raised
            logger.exception("job failed", extra={"job": job.name})
            failed.append(job.name)
    if failed:
        raise JobsFailed(f"jobs failed: {', '.join(failed)}")
    return done


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Room for the last piece of work started: a run stops starting new work 5 s before its end.
    done = run_jobs(bootstrap.host(), lambda: context.get_remaining_time_in_millis() / 1000 - 5)
    metrics.add_metric("JobActions", MetricUnit.Count, sum(done.values()))
    if any(done.values()):
        logger.info("jobs acted", extra={"jobs": done})
    return {"jobs": done}
