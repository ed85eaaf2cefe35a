"""Who a judging's decisions are recorded as made by: one actor, or each order's own."""

from stockout.services.common.actors import actor_of, every_actor, narrowed


def test_an_order_is_recorded_as_its_own_author_and_a_neighbour_as_all_of_them() -> None:
    actors = {"A": "cli", "B": "token:m-shop-B", "C": "cli"}
    assert actor_of(actors, "B") == "token:m-shop-B"
    assert actor_of(actors, "N") == "cli,token:m-shop-B"  # judged because of the others
    assert every_actor(actors) == "cli,token:m-shop-B"


def test_one_actor_for_everything_stays_one_name() -> None:
    assert actor_of("worker", "A") == every_actor("worker") == "worker"
    assert narrowed({"A": "cli", "B": "cli"}) == "cli"
    assert narrowed({"A": "cli", "B": "x"}) == {"A": "cli", "B": "x"}
