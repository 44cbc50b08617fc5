"""The fitted preference model: what it weighs, how it scores, how sure it is.

A `PreferenceModel` is plain numbers (feature settings, the music features' scaling, the
weights, an approximate posterior precision) so it can be written as JSON and read back
without running anything (`rater.analysis.model.modelfile`). A sample's score is in Bradley-Terry
logits: P(a beats b) = sigmoid(score(a) - score(b)), the same scale as `rater rank`, so the
scores can serve as a prior for samples with few comparisons.

The precision is the Laplace approximation at the fit (the logistic Hessian plus the L2
prior), exact for the music block and diagonal for the hashed text columns; the pair
chooser (`rater.analysis.model.choose`) reads from it which comparisons the model is least sure of.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rater.analysis.model import music
from rater.analysis.model.features import FeatureRows, Scaling, design
from rater.core.errors import ModelError
from rater.core.settings import FeatureSettings

if TYPE_CHECKING:
    import numpy as np

M = len(music.NAMES)


@dataclass(frozen=True)
class PreferenceModel:
    features: FeatureSettings
    scaling: Scaling
    music_weights: tuple[float, ...]
    text_columns: tuple[int, ...]  # hashed n-gram columns with a weight (ascending)
    text_weights: tuple[float, ...]
    C: float  # the L2 setting it was fitted with (the prior variance of a weight)
    music_precision: tuple[tuple[float, ...], ...] = ()  # M x M
    text_precision: tuple[float, ...] = ()  # one per text column
    ngrams: dict[int, str] = field(default_factory=dict)  # readable n-gram per heavy column
    summary: dict[str, Any] = field(default_factory=dict)  # for people; never code

    @cached_property
    def weights(self) -> np.ndarray:
        import numpy as np

        w = np.zeros(M + 2**self.features.hash_bits)
        w[:M] = self.music_weights
        w[M + np.asarray(self.text_columns, dtype=np.int64)] = self.text_weights
        return w

    def matrix(self, rows: FeatureRows) -> Any:
        """Feature matrix (CSR) of `rows` (`rows.feature_rows`), scaled as the training
        samples were."""
        return design(rows, self.features, self.scaling)[0]

    def score(self, rows: FeatureRows) -> np.ndarray:
        """Scores in logits (higher is preferred) of the samples of `rows`; see the module
        docstring."""
        return self.scores(self.matrix(rows))

    def scores(self, x: Any) -> np.ndarray:
        """Scores of feature rows; ModelError rather than NaN (which would sort anywhere)."""
        import numpy as np

        with np.errstate(all="ignore"):
            scores = np.asarray(x @ self.weights).ravel()
        if not np.isfinite(scores).all():
            raise ModelError("the model gives scores that are not finite numbers")
        return scores

    @cached_property
    def covariance(self) -> tuple[np.ndarray, np.ndarray]:
        """(music block covariance M x M, text variances over all hashed columns)."""
        import numpy as np

        n_text = 2**self.features.hash_bits
        if self.music_precision:
            cov_m = np.linalg.inv(np.array(self.music_precision))
        else:
            cov_m = np.eye(M) * self.C
        var_t = np.full(n_text, self.C)
        if self.text_precision:
            var_t[np.asarray(self.text_columns, dtype=np.int64)] = 1.0 / np.array(
                self.text_precision
            )
        return cov_m, var_t

    def embed(self, x: Any) -> Any:
        """Rows y with |y_a - y_b|^2 = the posterior variance of score(a) - score(b)."""
        import numpy as np
        import scipy.sparse as sp

        cov_m, var_t = self.covariance
        root = np.linalg.cholesky(cov_m + 1e-12 * np.eye(M))
        music_part = sp.csr_matrix(x[:, :M].toarray() @ root)
        text_part = sp.csr_matrix(x[:, M:], copy=True)  # each column scaled: O(entries)
        text_part.data *= np.sqrt(var_t)[text_part.indices]
        return sp.hstack([music_part, text_part], format="csr")

    def variance(self, diff: Any) -> np.ndarray:
        """Posterior variance of score differences, one per row of `diff` (CSR rows of
        feature differences): how unsure the model is about those comparisons."""
        import numpy as np

        cov_m, var_t = self.covariance
        dm = diff[:, :M].toarray()
        dt = diff[:, M:]
        vm = np.einsum("ij,jk,ik->i", dm, cov_m, dm)
        vt = np.asarray(dt.multiply(dt) @ var_t).ravel()
        return vm + vt


def laplace_precision(
    diff: Any, p: np.ndarray, weight: np.ndarray, C: float, columns: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The logistic Hessian at the fit plus the prior (1/C): full for the music block,
    the diagonal for the text `columns` (indices into the text block)."""
    import numpy as np

    h = weight * p * (1.0 - p)
    dm = diff[:, :M].toarray()
    music_prec = dm.T @ (dm * h[:, None]) + np.eye(M) / C
    dt = diff[:, M:].tocsc()
    sq = np.asarray(dt.multiply(dt).T @ h).ravel()
    return music_prec, sq[columns] + 1.0 / C
