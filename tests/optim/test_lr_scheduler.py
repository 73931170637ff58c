"""Learning-rate schedulers: lr (and momentum) sequences against closed forms computed in
the tests and against torch.optim.lr_scheduler over many steps, chaining, state_dict
round trips, warnings and errors."""

import copy
import warnings

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import optim
from tinygrad_edu.optim import lr_scheduler

from .helpers import need_torch, requires_torch

LRS = (0.1, 0.02)  # two param groups with different learning rates


def make_optimizer(lib, name="SGD", lrs=LRS, **kwargs):
    """An optimizer of ``lib`` (tinygrad_edu or torch) over one tensor per group."""
    params = [lib.zeros(2, requires_grad=True) for _ in lrs]
    opt_module = lib.optim
    return getattr(opt_module, name)([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], **kwargs)


def run(lib, make_sched, steps, name="SGD", metrics=None, lrs=LRS, **opt_kwargs):
    """Step optimizer then scheduler ``steps`` times; return the lr of every group after
    construction and after each step, plus each group's momentum (or beta1) alongside."""
    opt = make_optimizer(lib, name, lrs, **opt_kwargs)
    sched = make_sched(lib.optim.lr_scheduler, opt)

    def momenta():
        return [g["betas"][0] if "betas" in g else g.get("momentum", 0.0) for g in opt.param_groups]

    lr_hist, mom_hist = [sched.get_last_lr()[:]], [momenta()]
    for i in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
        lr_hist.append(sched.get_last_lr()[:])
        mom_hist.append(momenta())
    return np.array(lr_hist, dtype=float), np.array(mom_hist, dtype=float)


def ours_and_torch(make_sched, steps, **kwargs):
    torch = need_torch()
    return run(tg, make_sched, steps, **kwargs), run(torch, make_sched, steps, **kwargs)


def assert_same_schedule(make_sched, steps=60, **kwargs):
    (lr, mom), (t_lr, t_mom) = ours_and_torch(make_sched, steps, **kwargs)
    np.testing.assert_allclose(lr, t_lr, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(mom, t_mom, rtol=1e-13, atol=1e-16)


SCHEDULES = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.93),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=13, eta_min=1e-3),
    "CosineAnnealingLR-no-min": lambda m, o: m.CosineAnnealingLR(o, T_max=10),
    "LambdaLR": lambda m, o: m.LambdaLR(o, lr_lambda=[lambda e: 1 / (1 + e), lambda e: 0.9**e]),
    "LinearLR-warmup": lambda m, o: m.LinearLR(o, start_factor=0.1, total_iters=9),
    "LinearLR-decay": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=40),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 0.3], total_steps=60),
    "OneCycleLR-linear-3phase": lambda m, o: m.OneCycleLR(
        o,
        max_lr=0.5,
        epochs=6,
        steps_per_epoch=10,
        anneal_strategy="linear",
        three_phase=True,
        pct_start=0.25,
    ),
}


@pytest.mark.parametrize("make_sched", SCHEDULES.values(), ids=SCHEDULES.keys())
def test_lr_sequence_matches_torch(make_sched):
    assert_same_schedule(make_sched, steps=60, momentum=0.9)


# ----------------------------------------------------------- closed forms
def lrs_of(make_sched, steps, **kwargs):
    return run(tg, make_sched, steps, **kwargs)[0]


def test_step_lr_decays_every_step_size_epochs():
    lr = lrs_of(lambda m, o: m.StepLR(o, step_size=4, gamma=0.5), 20)
    epochs = np.arange(21)[:, None]
    np.testing.assert_allclose(lr, np.array(LRS) * 0.5 ** (epochs // 4), rtol=1e-15)


def test_multistep_lr_decays_at_milestones_and_twice_at_a_repeated_one():
    lr = lrs_of(lambda m, o: m.MultiStepLR(o, milestones=[3, 8, 8], gamma=0.1), 12)
    count = np.array([(e >= 3) + 2 * (e >= 8) for e in range(13)])[:, None]
    np.testing.assert_allclose(lr, np.array(LRS) * 0.1**count, rtol=1e-14)


def test_exponential_lr_is_gamma_to_the_epoch():
    lr = lrs_of(lambda m, o: m.ExponentialLR(o, gamma=0.9), 30)
    np.testing.assert_allclose(lr, np.array(LRS) * 0.9 ** np.arange(31)[:, None], rtol=1e-13)


@pytest.mark.parametrize("eta_min", [0.0, 0.005])
def test_cosine_annealing_recursion_follows_the_closed_form_and_rises_after_t_max(eta_min):
    T = 10
    lr = lrs_of(lambda m, o: m.CosineAnnealingLR(o, T_max=T, eta_min=eta_min), 3 * T)
    t = np.arange(3 * T + 1)[:, None]
    closed = eta_min + (np.array(LRS) - eta_min) * (1 + np.cos(np.pi * t / T)) / 2
    np.testing.assert_allclose(lr, closed, rtol=1e-10, atol=1e-15)
    assert lr[T, 0] == pytest.approx(eta_min, abs=1e-15)


def test_lambda_lr_multiplies_the_initial_lr():
    lr = lrs_of(lambda m, o: m.LambdaLR(o, lr_lambda=lambda e: (e + 1) ** -0.5), 15)
    np.testing.assert_allclose(lr, np.array(LRS) * (np.arange(16)[:, None] + 1) ** -0.5, rtol=1e-14)


@pytest.mark.parametrize("start, end, total", [(0.25, 1.0, 8), (1.0, 0.1, 5), (0.5, 0.0, 12)])
def test_linear_lr_interpolates_the_factor_then_holds(start, end, total):
    lr = lrs_of(lambda m, o: m.LinearLR(o, start_factor=start, end_factor=end, total_iters=total), 20)
    factor = start + (end - start) * np.minimum(np.arange(21), total) / total
    np.testing.assert_allclose(lr, np.array(LRS) * factor[:, None], rtol=1e-12, atol=1e-16)


def test_one_cycle_lr_and_momentum_at_the_phase_boundaries():
    total, pct, max_lr, div, final_div = 100, 0.25, 2.0, 25.0, 1e4
    lr, mom = run(
        tg,
        lambda m, o: m.OneCycleLR(
            o,
            max_lr=max_lr,
            total_steps=total,
            pct_start=pct,
            div_factor=div,
            final_div_factor=final_div,
            base_momentum=0.8,
            max_momentum=0.9,
        ),
        total - 1,
        momentum=0.5,
    )
    peak = int(pct * total) - 1
    assert lr[0, 0] == pytest.approx(max_lr / div) and mom[0, 0] == pytest.approx(0.9)
    assert lr[peak, 0] == pytest.approx(max_lr) and mom[peak, 0] == pytest.approx(0.8)
    assert lr[total - 1, 0] == pytest.approx(max_lr / div / final_div) and mom[-1, 0] == pytest.approx(0.9)
    assert np.all(np.diff(lr[: peak + 1, 0]) > 0) and np.all(np.diff(lr[peak:, 0]) < 0)
    assert np.all(np.diff(mom[: peak + 1, 0]) < 0) and np.all(np.diff(mom[peak:, 0]) > 0)
    # every step follows a half cosine between the phase's end values
    end1 = pct * total - 1
    steps = np.arange(total)
    rising = steps <= end1
    frac = np.where(rising, steps / end1, (steps - end1) / (total - 1 - end1))

    def half_cosine(start, end):
        return end + (start - end) * (1 + np.cos(np.pi * frac)) / 2

    initial = max_lr / div
    expected_lr = np.where(rising, half_cosine(initial, max_lr), half_cosine(max_lr, initial / final_div))
    expected_mom = np.where(rising, half_cosine(0.9, 0.8), half_cosine(0.8, 0.9))
    np.testing.assert_allclose(lr[:, 0], expected_lr, rtol=1e-12)
    np.testing.assert_allclose(mom[:, 0], expected_mom, rtol=1e-12)


def test_one_cycle_linear_three_phase_is_piecewise_linear():
    total = 40
    lr = lrs_of(
        lambda m, o: m.OneCycleLR(
            o,
            max_lr=1.0,
            total_steps=total,
            pct_start=0.25,
            anneal_strategy="linear",
            three_phase=True,
            div_factor=10.0,
            final_div_factor=100.0,
            cycle_momentum=False,
        ),
        total - 1,
    )[:, 0]
    initial, low = 0.1, 0.1 / 100.0
    knots_x = [0, 9, 18, 39]  # phase ends at pct*total - 1, 2*pct*total - 2, total - 1
    expected = np.interp(np.arange(total), knots_x, [initial, 1.0, initial, low])
    np.testing.assert_allclose(lr, expected, rtol=1e-12)


def test_one_cycle_cycles_beta1_of_adam_and_keeps_beta2():
    _, mom = run(tg, lambda m, o: m.OneCycleLR(o, max_lr=0.01, total_steps=20), 19, name="Adam")
    assert mom[0, 0] == pytest.approx(0.95) and mom.min() == pytest.approx(0.85)
    opt = make_optimizer(tg, "Adam")
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.01, total_steps=20)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["betas"][1] == 0.999


@pytest.mark.parametrize(
    "name, kwargs", [("SGD", {"momentum": 0.9}), ("Adam", {}), ("RMSprop", {}), ("NAdam", {}), ("AdamW", {})]
)
def test_one_cycle_momentum_sequence_matches_torch(name, kwargs):
    assert_same_schedule(
        lambda m, o: m.OneCycleLR(
            o, max_lr=[0.5, 0.05], total_steps=45, pct_start=0.4, base_momentum=[0.8, 0.7], max_momentum=0.99
        ),
        steps=45,
        name=name,
        **kwargs,
    )


# ------------------------------------------------------------- hypothesis
@requires_torch
@given(
    step_size=st.integers(1, 10),
    gamma=st.floats(0.1, 0.99),
    t_max=st.integers(1, 20),
    eta_min=st.floats(0.0, 0.01),
)
def test_epoch_schedulers_match_torch_for_drawn_settings(step_size, gamma, t_max, eta_min):
    assert_same_schedule(lambda m, o: m.StepLR(o, step_size=step_size, gamma=gamma), steps=40)
    assert_same_schedule(lambda m, o: m.ExponentialLR(o, gamma=gamma), steps=40)
    assert_same_schedule(lambda m, o: m.CosineAnnealingLR(o, T_max=t_max, eta_min=eta_min), steps=40)


@requires_torch
@given(
    total=st.integers(10, 80),
    pct=st.floats(0.05, 0.95),
    strategy=st.sampled_from(["cos", "linear"]),
    three_phase=st.booleans(),
    div=st.floats(2.0, 50.0),
)
@example(total=20, pct=0.05, strategy="cos", three_phase=False, div=2.0)  # a first phase of length 0
def test_one_cycle_matches_torch_for_drawn_settings(total, pct, strategy, three_phase, div):
    torch = need_torch()

    def make(m, o):
        return m.OneCycleLR(
            o,
            max_lr=0.4,
            total_steps=total,
            pct_start=pct,
            anneal_strategy=strategy,
            three_phase=three_phase,
            div_factor=div,
        )

    try:
        run(torch, make, total, momentum=0.9)
    except ZeroDivisionError:  # a phase of zero length: ours says so
        with pytest.raises(ValueError, match="has zero length"):
            run(tg, make, total, momentum=0.9)
        return
    assert_same_schedule(make, steps=total, momentum=0.9)


@pytest.mark.parametrize("pct, three_phase, fails_at", [(0.1, False, 0), (0.1, True, 0), (1.0, False, 10)])
def test_one_cycle_phase_of_zero_length_is_a_clear_error(pct, three_phase, fails_at):
    opt = make_optimizer(tg)
    with pytest.raises(ValueError, match=r"OneCycleLR: phase \d of the schedule has zero length"):
        sched = lr_scheduler.OneCycleLR(
            opt, max_lr=1.0, total_steps=10, pct_start=pct, three_phase=three_phase
        )
        for _ in range(fails_at):
            opt.step()
            sched.step()


# ------------------------------------------------------- ReduceLROnPlateau
def test_reduce_on_plateau_scripted_sequence():
    # mode min, patience 2, cooldown 1, factor 0.5, threshold 0.1 (rel): an improvement
    # must beat best * 0.9
    metrics = [1.0, 0.95, 0.96, 0.97, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.44, 0.44]
    lr = run(
        tg,
        lambda m, o: m.ReduceLROnPlateau(
            o, factor=0.5, patience=2, threshold=0.1, cooldown=1, min_lr=[0.0, 0.015]
        ),
        len(metrics),
        metrics=metrics,
    )[0]
    # epoch 1 sets best=1; 0.95, 0.96, 0.97 do not beat 0.9: 3 bad epochs > patience, halve
    # at epoch 4 (cooldown 1). Epoch 5 improves (0.5) and uses up the cooldown. Epochs 6-8
    # are bad: halve at 8. The cooldown zeroes epoch 9, so epochs 10-11 count only 2 (without
    # it, a third halving would come at epoch 11), and 0.44 < 0.45 improves at epoch 12.
    # Group 2 stops at min_lr = 0.015.
    factor = np.array([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25])
    expected = np.stack([0.1 * factor, np.maximum(0.02 * factor, 0.015)], axis=1)
    np.testing.assert_allclose(lr, expected, rtol=1e-15)


@pytest.mark.parametrize("mode", ["min", "max"])
@pytest.mark.parametrize("threshold_mode", ["rel", "abs"])
def test_reduce_on_plateau_equal_metric_is_not_an_improvement(mode, threshold_mode):
    opt = make_optimizer(tg)
    sched = lr_scheduler.ReduceLROnPlateau(
        opt, mode=mode, threshold=0.0, threshold_mode=threshold_mode, patience=0
    )
    opt.step()
    sched.step(2.0)  # the first value is always an improvement over +-inf
    assert sched.get_last_lr() == list(LRS)
    opt.step()
    sched.step(2.0)  # no better than the best: one bad epoch > patience 0
    assert sched.get_last_lr() == pytest.approx([0.1 * 0.1, 0.02 * 0.1])


PLATEAU_SETTINGS = [
    {"mode": "min", "patience": 0},
    {"mode": "max", "patience": 1, "factor": 0.3},
    {"mode": "min", "threshold_mode": "abs", "threshold": 0.05, "patience": 2, "cooldown": 2},
    {"mode": "max", "threshold_mode": "abs", "threshold": 0.01, "patience": 1, "min_lr": 0.004},
    {"mode": "min", "patience": 1, "factor": 0.5, "min_lr": [0.05, 0.0], "eps": 1e-3},
]


@pytest.mark.parametrize("settings", PLATEAU_SETTINGS)
def test_reduce_on_plateau_matches_torch_on_a_noisy_metric(settings):
    rng = np.random.default_rng(0)
    metrics = list(np.cumsum(rng.normal(0, 0.1, 80)) * 0.3 + 1.0)  # a random walk with plateaus
    assert_same_schedule(lambda m, o: m.ReduceLROnPlateau(o, **settings), steps=80, metrics=metrics)


def test_reduce_on_plateau_takes_a_tensor_metric():
    opt = make_optimizer(tg)
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(tg.tensor(1.0))
    sched.step(tg.tensor(2.0))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.002])


# ------------------------------------------------------- chaining, state
def test_chained_schedulers_compose_like_torch():
    def make(m, o):
        warmup = m.LinearLR(o, start_factor=0.2, total_iters=5)
        decay = m.ExponentialLR(o, gamma=0.9)

        class Both:
            def get_last_lr(self):
                return decay.get_last_lr()

            def step(self):
                warmup.step()
                decay.step()

        return Both()

    assert_same_schedule(make, steps=20)


def test_constructor_sets_initial_lr_and_base_lrs():
    opt = make_optimizer(tg)
    sched = lr_scheduler.StepLR(opt, step_size=2)
    assert sched.base_lrs == list(LRS)
    assert [g["initial_lr"] for g in opt.param_groups] == list(LRS)
    assert sched.last_epoch == 0 and sched.get_last_lr() == list(LRS)


@pytest.mark.parametrize(
    "name", ["StepLR", "CosineAnnealingLR", "OneCycleLR", "LinearLR", "ReduceLROnPlateau"]
)
def test_scheduler_state_dict_round_trip_continues_the_schedule(name):
    make = {
        "StepLR": lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
        "CosineAnnealingLR": lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=7),
        "OneCycleLR": lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=30),
        "LinearLR": lambda o: lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=15),
        "ReduceLROnPlateau": lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=1),
    }[name]
    metrics = [1.0, 1.0, 0.5, 0.6, 0.7, 0.8, 0.3] * 4

    def advance(opt, sched, epochs):
        out = []
        for e in epochs:
            opt.step()
            sched.step(metrics[e]) if name == "ReduceLROnPlateau" else sched.step()
            out.append(sched.get_last_lr()[:])
        return out

    opt = make_optimizer(tg, momentum=0.9)
    sched = make(opt)
    advance(opt, sched, range(10))
    saved_opt, saved_sched = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    expected = advance(opt, sched, range(10, 20))

    opt2 = make_optimizer(tg, momentum=0.9)
    sched2 = make(opt2)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    assert advance(opt2, sched2, range(10, 20)) == expected
    assert "optimizer" not in saved_sched


def test_multistep_state_saved_as_plain_dicts_still_loads():
    # what a file format without Counter gives back
    sched = lr_scheduler.MultiStepLR(make_optimizer(tg), milestones=[2, 4, 4])
    sd = sched.state_dict()
    sd["milestones"] = dict(sd["milestones"])
    opt2 = make_optimizer(tg)
    sched2 = lr_scheduler.MultiStepLR(opt2, milestones=[1])
    sched2.load_state_dict(sd)
    opt2.step()
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched2.step(5)  # the closed form needs the milestones' multiplicities
    assert sched2.get_last_lr() == pytest.approx([0.1 * 1e-3, 0.02 * 1e-3])


def test_lambda_lr_state_dict_keeps_callable_objects_but_not_functions():
    class Warm:
        def __init__(self):
            self.scale = 2.0

        def __call__(self, epoch):
            return self.scale * epoch

    opt = make_optimizer(tg)
    sched = lr_scheduler.LambdaLR(opt, lr_lambda=[Warm(), lambda e: 1.0])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"scale": 2.0}, None]
    sd["lr_lambdas"][0]["scale"] = 5.0
    sched.load_state_dict(sd)
    assert sched.lr_lambdas[0].scale == 5.0


def test_resuming_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(make_optimizer(tg), step_size=2, last_epoch=4)


def test_deprecated_epoch_argument_uses_the_closed_form_like_torch():
    def make(m, o):
        sched = m.StepLR(o, step_size=3, gamma=0.5)

        class Jumpy:
            epoch = 0

            def get_last_lr(self):
                return sched.get_last_lr()

            def step(self):
                self.epoch += 2
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    sched.step(self.epoch)

        return Jumpy()

    assert_same_schedule(make, steps=10)
    opt = make_optimizer(tg)
    sched = lr_scheduler.MultiStepLR(opt, milestones=[2, 5])
    opt.step()
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched.step(6)
    assert sched.get_last_lr() == pytest.approx([0.1 * 0.01, 0.02 * 0.01])


# --------------------------------------------------------- warnings, errors
def test_stepping_scheduler_before_optimizer_warns():
    opt = make_optimizer(tg)
    sched = lr_scheduler.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match=r"lr_scheduler.step\(\)` before `optimizer.step\(\)"):
        sched.step()


def test_stepping_in_the_right_order_does_not_warn():
    opt = make_optimizer(tg)
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            opt.step()
            sched.step()


def test_calling_get_lr_directly_suggests_get_last_lr():
    sched = lr_scheduler.ExponentialLR(make_optimizer(tg), gamma=0.5)
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda o: lr_scheduler.StepLR(object(), step_size=1), TypeError, "object is not an Optimizer"),
        (lambda o: lr_scheduler.LinearLR(o, start_factor=0), ValueError, "Starting multiplicative factor"),
        (lambda o: lr_scheduler.LinearLR(o, end_factor=1.5), ValueError, "Ending multiplicative factor"),
        (lambda o: lr_scheduler.LambdaLR(o, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas, but got 1"),
        (lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0), ValueError, "either total_steps OR"),
        (
            lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=0),
            ValueError,
            "positive integer total",
        ),
        (
            lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=5, pct_start=1),
            ValueError,
            "pct_start",
        ),
        (lambda o: lr_scheduler.OneCycleLR(o, max_lr=[1.0], total_steps=5), ValueError, "max_lr must have"),
        (lambda o: lr_scheduler.OneCycleLR(o, 1.0, 5, anneal_strategy="exp"), ValueError, "anneal_strategy"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="up"), ValueError, "mode up is unknown"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold_mode="x"), ValueError, "threshold mode x"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs, got 1"),
    ],
)
def test_bad_scheduler_arguments_raise(make, error, message):
    with pytest.raises(error, match=message):
        make(make_optimizer(tg))


def test_one_cycle_refuses_to_step_past_total_steps():
    opt = make_optimizer(tg)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    opt.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
        sched.step()


def test_one_cycle_momentum_needs_an_optimizer_with_momentum():
    opt = make_optimizer(tg, "Adagrad")
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=5)
    lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=5, cycle_momentum=False)


def test_scheduled_lr_is_what_the_optimizer_uses():
    p = tg.tensor(np.array([0.0]), requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    for _ in range(3):
        p.grad = tg.tensor(np.array([1.0]))
        opt.step()
        sched.step()
    np.testing.assert_allclose(p.data, [-(1.0 + 0.5 + 0.25)])
