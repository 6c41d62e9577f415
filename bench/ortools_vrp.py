"""The OR-Tools baseline of `bench_cvrp.py`: OR-Tools' routing solver on a CVRP, guided local search.

Not part of the product (ortools is a dev dependency); it shows where PyVRP stands against the routing
solver most people reach for first. Settings are the ones OR-Tools documents for CVRP: first solution
by the savings heuristic, then guided local search until the time limit. OR-Tools needs a fixed fleet,
while the X instances allow any number of vehicles: the fleet is the lower bound ⌈total demand /
capacity⌉ plus 20 % (at least 2 spare), enough for the routes of the best-known solutions, which use
the lower bound or one or two more, without giving the search hundreds of idle vehicles to shuffle.
"""

import math
import time

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2


def fleet_size(demands: np.ndarray, capacity: int) -> int:
    lower_bound = math.ceil(int(np.sum(demands)) / capacity)
    return lower_bound + max(2, math.ceil(0.2 * lower_bound))


def solve_cvrp(
    distances: np.ndarray, demands: np.ndarray, capacity: int, *, time_limit: float
) -> tuple[list[list[int]], float]:
    """(routes as lists of client indices 1..n, wall seconds) for the depot 0 and clients 1..n.
    Raises RuntimeError if OR-Tools finds no solution within the time limit."""
    started = time.perf_counter()
    size = len(demands)
    vehicles = fleet_size(demands, capacity)
    manager = pywrapcp.RoutingIndexManager(size, vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    matrix = distances.astype(int).tolist()
    demand_list = [int(d) for d in demands]

    def distance(from_index, to_index):
        return matrix[manager.IndexToNode(from_index)][manager.IndexToNode(to_index)]

    def demand(from_index):
        return demand_list[manager.IndexToNode(from_index)]

    transit = routing.RegisterTransitCallback(distance)
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    load = routing.RegisterUnaryTransitCallback(demand)
    routing.AddDimensionWithVehicleCapacity(load, 0, [capacity] * vehicles, True, "Capacity")

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.SAVINGS
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    # The limit covers the search; model building above is counted in the reported seconds.
    remaining = max(time_limit - (time.perf_counter() - started), 0.1)
    params.time_limit.FromMilliseconds(int(remaining * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        raise RuntimeError("OR-Tools found no solution")
    routes = []
    for vehicle in range(vehicles):
        index = routing.Start(vehicle)
        route = []
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return routes, time.perf_counter() - started
