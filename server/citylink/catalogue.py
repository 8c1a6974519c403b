"""The part of a hall's configuration the city needs to compute its figures with the hall's own
definitions: center, departments, services (with their wait targets) and windows. No staff, no
devices, no secrets. The link writes it at each connection; the city rebuilds a HallConfig from it."""
from __future__ import annotations

from typing import Any

from ..domain.hall import Center, Department, HallConfig, Names, Service, Window


def _names(n: Names) -> dict[str, Any]:
    return n.to_dict()


def _from_names(d: dict[str, Any]) -> Names:
    return Names(d["zh-Hans"], d["zh-Hant"], d["en"])


def catalogue_of(hall: HallConfig) -> dict[str, Any]:
    c = hall.center
    return {
        "center": {"name": _names(c.name), "timezone": c.timezone, "day_boundary_min": c.day_boundary_min},
        "departments": [{"code": d.code, "name": _names(d.name)} for d in hall.departments],
        "services": [{"code": s.code, "prefix": s.prefix, "name": _names(s.name), "department": s.department,
                      "target_wait_min": s.target_wait_min, "warning_wait_min": s.warning_wait_min,
                      "action_wait_min": s.action_wait_min} for s in hall.services],
        "windows": [{"number": w.number, "name": _names(w.name), "department": w.department, "zone": w.zone,
                     "services": list(w.services), "kind": w.kind} for w in hall.windows],
    }


def hall_from_catalogue(cat: dict[str, Any]) -> HallConfig:
    c = cat["center"]
    return HallConfig(
        center=Center(name=_from_names(c["name"]), timezone=c["timezone"], day_boundary_min=c["day_boundary_min"]),
        departments=tuple(Department(d["code"], _from_names(d["name"])) for d in cat["departments"]),
        services=tuple(Service(code=s["code"], prefix=s["prefix"], name=_from_names(s["name"]),
                               department=s["department"], target_wait_min=s["target_wait_min"],
                               warning_wait_min=s["warning_wait_min"], action_wait_min=s["action_wait_min"])
                       for s in cat["services"]),
        windows=tuple(Window(number=w["number"], name=_from_names(w["name"]), department=w["department"],
                             zone=w["zone"], services=tuple(w["services"]), kind=w["kind"]) for w in cat["windows"]),
    )
