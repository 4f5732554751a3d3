//! Background jobs. Each capability lists its own ([`Job`]); the server starts them all
//! ([`spawn`]) and stops them together ([`Jobs::stop`]). Every instance runs them; the store's
//! locks and idempotent writes make that safe on one PostgreSQL database.

use std::pin::Pin;
use std::time::Duration;

type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One background job: a name for the logs, and its loop.
pub struct Job {
    pub name: &'static str,
    run: Box<dyn FnOnce(Stop) -> Task + Send>,
}

impl Job {
    /// A job that runs `pass` once every `period` (the first pass at once).
    pub fn every<F, Fut>(name: &'static str, period: Duration, mut pass: F) -> Job
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Job::with_loop(name, move |mut stop| async move {
            let mut tick = tokio::time::interval(period);
            while stop.wait(tick.tick()).await {
                pass().await;
            }
        })
    }

    /// A job with a loop of its own, which must return when [`Stop::wait`] says so.
    pub fn with_loop<F, Fut>(name: &'static str, run: F) -> Job
    where
        F: FnOnce(Stop) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Job {
            name,
            run: Box::new(move |stop| Box::pin(run(stop))),
        }
    }
}

/// A job's view of the stop signal.
#[derive(Clone)]
pub struct Stop(tokio::sync::watch::Receiver<bool>);

impl Stop {
    /// Wait for `until`; `false` when the jobs are stopping instead.
    pub async fn wait(&mut self, until: impl Future) -> bool {
        tokio::select! {
            _ = until => true,
            _ = self.0.wait_for(|stop| *stop) => false,
        }
    }
}

/// The running jobs.
pub struct Jobs {
    stop: tokio::sync::watch::Sender<bool>,
    handles: Vec<(&'static str, tokio::task::JoinHandle<()>)>,
}

/// Start `jobs`.
pub fn spawn(jobs: Vec<Job>) -> Jobs {
    let (stop, watch) = tokio::sync::watch::channel(false);
    let handles = jobs
        .into_iter()
        .map(|job| (job.name, tokio::spawn((job.run)(Stop(watch.clone())))))
        .collect();
    Jobs { stop, handles }
}

impl Jobs {
    /// Stop every job between two of its passes, never inside one: a pass cut short could
    /// leave a COMMIT sent and unanswered, and its connection sending a ROLLBACK after it. A
    /// job still busy after ten seconds is aborted.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for (name, mut handle) in self.handles {
            if tokio::time::timeout(Duration::from_secs(10), &mut handle)
                .await
                .is_err()
            {
                tracing::warn!(job = name, "job still busy after ten seconds; aborted");
                handle.abort();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(start_paused = true)]
    async fn a_job_runs_every_period_and_stops_between_passes() {
        let passes = Arc::new(AtomicUsize::new(0));
        let counted = passes.clone();
        let jobs = spawn(vec![Job::every("count", Duration::from_secs(10), move || {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
            }
        })]);
        tokio::time::sleep(Duration::from_secs(25)).await;
        jobs.stop().await;
        assert_eq!(passes.load(Ordering::SeqCst), 3, "at 0, 10 and 20 seconds");
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(passes.load(Ordering::SeqCst), 3, "nothing runs after the stop");
    }
}
