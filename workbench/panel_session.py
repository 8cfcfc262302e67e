"""Sessions of a panel: save the current run (config, model, optimizer, RNG state and
history) to one file, open one and continue it. Mixed into workbench.panel.Panel."""
from __future__ import annotations

from pathlib import Path

from workbench import runner as states


class SessionMixin:
    def save_session(self, path: str | Path) -> bool:
        """Write config, model, optimizer, RNG state and history of the run to one file."""
        from workbench.session import save_session

        if self.restored is not None:
            cfg, state, step = self.restored
        else:
            fetched = self.runner.fetch_state() if self.run_cfg is not None else None
            if fetched is None:
                self.show_message("Nothing to save yet: start a run first.", error=True)
                return False
            (state, step), cfg = fetched, self.run_cfg
        try:
            save_session(path, self.panel_id, self.spec, cfg, state)
        except OSError as exc:
            self.show_message(f"Could not save the session: {exc}", error=True)
            return False
        self.show_message(f"Session saved at step {step} to {Path(path).name}.")
        return True

    def load_session(self, session) -> bool:
        """Show a loaded Session (workbench.session.Session); Start continues it."""
        from workbench.session import SessionError

        self.runner.discard()
        self._archive_run()
        try:
            engine = session.build_engine("cpu")  # validates the state, draws its picture
        except (SessionError, RuntimeError) as exc:
            self.show_message(f"Cannot open the session: {exc}", error=True)
            return False
        self.set_demo(session.spec.name)
        self.form.set_config(session.config)
        self.run_cfg = session.config
        self.restored = (session.config, session.engine_state, engine.step)
        self.view.reset()
        snap = engine.snapshot()
        self.last_snapshot = snap
        self.view.show_snapshot(snap)
        self.view.session_loaded(snap)
        self._update_buttons(states.IDLE)
        self.show_message(f"Session loaded at step {engine.step}. Press Continue (Space) to go on.")
        return True

