"""Demo "cnn": the deep CNN of lecture 2.11 on MNIST, with the criteria of exercise A1.1.

Per epoch (as the exercise asks): the average train loss and accuracy over the epoch's
minibatches, and the test loss and accuracy after it; the test set is also evaluated once
before the first step (epoch 0: accuracy ≈ 0.1 for an untrained network), so there is
always one test point more than train points. Between epochs a running average of the
current epoch's train loss and accuracy shows the progress inside the epoch.

History columns (x = ``step`` = epochs, fractional inside an epoch):
``train_loss_running``, ``train_acc_running`` (about 20 per epoch), ``train_loss``,
``train_acc`` (epoch averages, at whole epochs), ``test_loss``, ``test_acc`` (whole epochs
from 0).

Speed: the whole dataset lives on the device as one float tensor (channels-last on the
CPU, where oneDNN's convolutions and max-pool run ~1.5x faster in that layout); an epoch draws one
``torch.randperm`` there and slices minibatches by index (no DataLoader, no per-sample
Python); the epoch's loss and accuracy sums stay on the device (no sync per step);
evaluation runs under ``torch.inference_mode()`` in large chunks; on a CUDA GPU cuDNN
autotuning is on and bfloat16 autocast is optional (``mixed_precision``).
"""
from __future__ import annotations

import contextlib
import time
from typing import Any

import numpy as np
import torch

from engines.mnist import numpy_cnn
from engines.mnist.cnn import criterion_for, cnn_for, export_weights, images_to_tensor
from engines.mnist.configs import CRITERIA, DATASETS, N_CLASSES, MNISTConfig
from engines.mnist.data import load_dataset
from engines.nn_basics.optim import make_optimizer
from engines.runtime import Engine, MetricHistory, Snapshot

#: Running-average rows recorded per epoch (fewer for long runs, see _record_every).
ROWS_PER_EPOCH = 20
#: Misclassified test digits kept for the gallery.
GALLERY = 24
#: Seconds between two snapshots that carry the weights (for the canvas in the GUI).
WEIGHTS_EVERY_S = 0.5


class EpochHistory(MetricHistory):
    """History on an epoch axis (x = step / steps per epoch): a row every
    ``record_every`` steps inside an epoch and one at each epoch's end. The capacity is
    chosen so that it never thins."""

    def __init__(self, steps_per_epoch: int, record_every: int, capacity: int):
        super().__init__(capacity=capacity)
        self.steps_per_epoch, self.record_every = steps_per_epoch, record_every

    def wants(self, step: int) -> bool:
        pos = step % self.steps_per_epoch
        return pos == 0 or pos % self.record_every == 0

    def record(self, step: int, metrics: dict[str, float]) -> None:
        super().record(step / self.steps_per_epoch, metrics)


class MNISTEngine(Engine):
    Config = MNISTConfig
    divergence_advice = ("Try a smaller learning rate (RMSProp and Adam: about 1e-3; "
                         "SGD: about 0.05).")

    #: Not learning: after NOT_LEARNING_EPOCHS epochs the test accuracy is at most
    #: CHANCE_BOUND (chance is 0.1 for ten digits) and the test loss has not fallen below
    #: its value before training, after at least NOT_LEARNING_STEPS optimizer steps. A slow
    #: but working setting (the class-index criterion, a tiny network) lowers its loss and
    #: is left alone.
    NOT_LEARNING_EPOCHS = 2
    NOT_LEARNING_STEPS = 50
    CHANCE_BOUND = 0.2

    def not_learning(self, snap: Snapshot) -> tuple[str, float, str] | None:
        acc, loss = snap.metrics.get("test_acc"), snap.metrics.get("test_loss")
        losses = snap.history.get("test_loss")
        if (snap.epoch < self.NOT_LEARNING_EPOCHS or snap.step < self.NOT_LEARNING_STEPS
                or acc is None or loss is None
                or losses is None or len(losses) == 0 or acc > self.CHANCE_BOUND):
            return None
        before = float(losses[0])          # epoch 0: the untrained network
        if not loss >= before:
            return None
        return ("test_acc", acc, f"After {snap.epoch} epochs the test accuracy is still at "
                f"chance (0.1 for ten digits) and the test loss ({loss:.3g}) is no lower "
                f"than before training ({before:.3g}). {self.divergence_advice}")

    def __init__(self, cfg: MNISTConfig, device: str | None = None,
                 data=None):
        super().__init__(cfg, device)
        dev = self.device
        data = (data or load_dataset(cfg.dataset)).limited(cfg.train_samples,
                                                            cfg.test_samples)
        self.data_name = data.name
        self.n_train, self.n_test = data.sizes
        if cfg.batch_size > self.n_train:
            raise ValueError(f"batch_size {cfg.batch_size} is larger than the training set "
                             f"({self.n_train} digits); use at most {self.n_train}")
        if dev.type == "cuda":
            torch.backends.cudnn.benchmark = True
        # channels-last (NHWC) lets oneDNN run this CNN ~1.5x faster on the CPU
        self.memory_format = (torch.channels_last if dev.type == "cpu"
                              else torch.contiguous_format)
        self.x_train = images_to_tensor(data.x_train, dev, self.memory_format)
        self.y_train = torch.as_tensor(data.y_train, dtype=torch.long, device=dev)
        self.x_test = images_to_tensor(data.x_test, dev, self.memory_format)
        self.y_test = torch.as_tensor(data.y_test, dtype=torch.long, device=dev)
        self.test_images = data.x_test            # uint8, for the gallery
        self.test_labels = data.y_test.astype(np.int64)

        self.model = cnn_for(cfg, dev).to(memory_format=self.memory_format)
        self.criterion = criterion_for(cfg)
        self.optimizer = make_optimizer(cfg.optimizer, self.model.parameters(), cfg.lr)
        self.gen = torch.Generator(device=dev).manual_seed((cfg.seed + 0x9E3779B9) % 2**63)
        self.batch_size = cfg.batch_size
        self.steps_per_epoch = -(-self.n_train // cfg.batch_size)
        self.total_steps = min(cfg.steps, cfg.epochs * self.steps_per_epoch)
        self.record_every = max(1, self.steps_per_epoch // self._rows_per_epoch())
        rows = (cfg.epochs + 1) * (self.steps_per_epoch // self.record_every + 2)
        self.history = EpochHistory(self.steps_per_epoch, self.record_every,
                                    capacity=max(4000, rows + 16))
        self.amp = bool(cfg.mixed_precision and dev.type == "cuda")

        self.perm: torch.Tensor | None = None       # this epoch's order of the training set
        self.sum_loss = torch.zeros((), device=dev)  # Σ loss · batch over the epoch so far
        self.sum_correct = torch.zeros((), dtype=torch.long, device=dev)
        self.seen = 0
        self.last_eval: dict[str, Any] | None = None  # the latest test evaluation
        self._weights_sent = -np.inf

    def _rows_per_epoch(self) -> int:
        # keep the whole history below ~4000 rows (no thinning of the epoch grid)
        return max(2, min(ROWS_PER_EPOCH, 3000 // max(1, self.cfg.epochs)))

    # ---- training ---------------------------------------------------------------------
    @property
    def epoch_float(self) -> float:
        return self.step / self.steps_per_epoch

    def _autocast(self):
        if self.amp:
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def train_step(self) -> None:
        pos = self.step % self.steps_per_epoch
        if pos == 0 or self.perm is None:
            self.perm = torch.randperm(self.n_train, generator=self.gen, device=self.device)
            self.sum_loss.zero_()
            self.sum_correct.zero_()
            self.seen = 0
        idx = self.perm[pos * self.batch_size:(pos + 1) * self.batch_size]
        x, y = self.x_train[idx], self.y_train[idx]
        self.model.train()
        with self._autocast():
            out = self.model(x)
        loss = self.criterion.loss(out, y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        with torch.no_grad():
            n = idx.shape[0]
            self.sum_loss += loss.detach() * n
            self.sum_correct += self.criterion.correct(out.detach(), y).sum()
        self.seen += idx.shape[0]

    def last_step(self) -> int:
        """The run ends after the last epoch (or the step limit, if that comes first)."""
        return self.total_steps

    def _running_row(self) -> dict[str, float]:
        if self.seen == 0:
            return {}
        return {"train_loss_running": self.sum_loss.item() / self.seen,
                "train_acc_running": self.sum_correct.item() / self.seen}

    def _test_row(self) -> dict[str, float]:
        ev = self.last_eval
        return {"test_loss": ev["loss"], "test_acc": ev["acc"]}

    def history_metrics(self) -> dict[str, float]:
        """Inside an epoch the running averages; at an epoch's end (and before the first
        step) the test set is evaluated and the row carries the epoch's averages too."""
        if self.step % self.steps_per_epoch:
            return self._running_row()
        self._evaluate()
        if self.step == 0:
            return self._test_row()
        row = self._running_row()
        row.update(train_loss=row["train_loss_running"],
                   train_acc=row["train_acc_running"], **self._test_row())
        return row

    # ---- evaluation -----------------------------------------------------------------------
    @torch.inference_mode()
    def predict(self, x: torch.Tensor, chunk: int | None = None) -> torch.Tensor:
        """Raw outputs for a batch of images (n, 1, 28, 28), evaluated in chunks."""
        self.model.eval()
        chunk = chunk or (10000 if self.device.type != "cpu" else 500)
        outs = []
        for start in range(0, x.shape[0], chunk):
            with self._autocast():
                outs.append(self.model(x[start:start + chunk]).float())
        return torch.cat(outs)

    def evaluate_test(self) -> dict[str, Any]:
        """Test loss, accuracy, predictions, confusion matrix and misclassified digits."""
        out = self.predict(self.x_test)
        with torch.inference_mode():
            loss = self.criterion.loss(out, self.y_test).item()
            pred = self.criterion.predict(out).cpu().numpy().astype(np.int64)
        truth = self.test_labels
        # a NaN output predicts no class (NO_CLASS): wrong, and in no column of the matrix
        counted = pred >= 0
        confusion = np.bincount(truth[counted] * N_CLASSES + pred[counted],
                                minlength=N_CLASSES * N_CLASSES).reshape(N_CLASSES, N_CLASSES)
        wrong = np.flatnonzero(pred != truth)[:GALLERY]
        return {"loss": float(loss), "acc": float((pred == truth).mean()),
                "confusion": confusion.astype(np.int64), "wrong": wrong.astype(np.int64),
                "wrong_pred": pred[wrong], "epoch": self.epoch_float, "step": self.step}

    def _evaluate(self) -> None:
        self.last_eval = self.evaluate_test()

    # ---- output -------------------------------------------------------------------------
    def snapshot(self, final: bool = False) -> Snapshot:
        metrics: dict[str, float] = {"epoch": self.epoch_float}
        if self.last_eval is not None:
            metrics["test_acc"] = self.last_eval["acc"]
            metrics["test_loss"] = self.last_eval["loss"]
        metrics.update(self._running_row())
        arrays: dict[str, np.ndarray] = {
            "criterion": np.array(CRITERIA.index(self.cfg.criterion)),
            "dataset": np.array(DATASETS.index(self.data_name)),
            "output_affine": np.array([self.cfg.alpha, self.cfg.beta]),
            "sizes": np.array([self.n_train, self.n_test, self.steps_per_epoch,
                               self.total_steps]),
        }
        ev = self.last_eval
        if final and ev is not None and ev["step"] != self.step:
            ev = self.evaluate_test()   # a run stopped inside an epoch: show its end state
            metrics["test_acc_at_stop"] = ev["acc"]
        if ev is not None:
            arrays["confusion"] = ev["confusion"].copy()
            arrays["wrong_images"] = self.test_images[ev["wrong"]].copy()
            arrays["wrong_true"] = self.test_labels[ev["wrong"]].copy()
            arrays["wrong_pred"] = ev["wrong_pred"].copy()
            arrays["eval_epoch"] = np.array(ev["epoch"])
        now = time.perf_counter()
        if final or now - self._weights_sent >= WEIGHTS_EVERY_S:
            self._weights_sent = now
            for key, value in export_weights(self.model).items():
                arrays["w_" + key] = value
        return Snapshot(step=self.step, epoch=self.step // self.steps_per_epoch,
                        metrics=metrics, arrays=arrays, history=self.history.arrays(),
                        final=final)

    # ---- sessions -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        ev = self.last_eval
        return {**self.base_state(), "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(), "gen": self.gen.get_state(),
                "perm": self.perm.cpu() if self.perm is not None else None,
                "sum_loss": self.sum_loss.cpu(), "sum_correct": self.sum_correct.cpu(),
                "seen": self.seen,
                "last_eval": None if ev is None else {
                    "loss": ev["loss"], "acc": ev["acc"], "epoch": ev["epoch"],
                    "step": ev["step"], "confusion": torch.from_numpy(ev["confusion"]),
                    "wrong": torch.from_numpy(ev["wrong"]),
                    "wrong_pred": torch.from_numpy(ev["wrong_pred"])}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.gen.set_state(state["gen"])
        perm = state["perm"]
        self.perm = perm.to(self.device) if perm is not None else None
        self.sum_loss = state["sum_loss"].to(self.device)
        self.sum_correct = state["sum_correct"].to(self.device)
        self.seen = int(state["seen"])
        ev = state["last_eval"]
        self.last_eval = None if ev is None else {
            "loss": float(ev["loss"]), "acc": float(ev["acc"]), "epoch": float(ev["epoch"]),
            "step": int(ev["step"]), "confusion": ev["confusion"].numpy(),
            "wrong": ev["wrong"].numpy(), "wrong_pred": ev["wrong_pred"].numpy()}

    # ---- the canvas, headless ---------------------------------------------------------------
    def classify(self, image: np.ndarray) -> np.ndarray:
        """Class probabilities (as the canvas shows them) of one 28 × 28 image in [0, 1]."""
        x = torch.as_tensor(np.asarray(image, np.float32)).reshape(1, 1, 28, 28)
        x = x.to(self.device).contiguous(memory_format=self.memory_format)
        out = self.predict(x).cpu().numpy()
        return numpy_cnn.class_probabilities(out, self.cfg.criterion, self.cfg.alpha,
                                             self.cfg.beta)[0]
