//! A spinner on stderr while azaudit reads, only when stderr is a terminal
//! and neither `-q` nor `-v` is given (log lines and a spinner do not mix).

use crate::cli::GlobalArgs;
use std::io::IsTerminal;
use std::time::Duration;

pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    pub fn start(g: &GlobalArgs, msg: &str) -> Progress {
        if g.quiet || g.verbose > 0 || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let pb = indicatif::ProgressBar::new_spinner();
        pb.enable_steady_tick(Duration::from_millis(120));
        pb.set_message(msg.to_string());
        Progress(Some(pb))
    }

    pub fn set(&self, msg: impl Into<String>) {
        if let Some(pb) = &self.0 {
            pb.set_message(msg.into());
        }
    }

    /// A handle for a background task to update the message.
    pub fn handle(&self) -> Option<indicatif::ProgressBar> {
        self.0.clone()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}
