"""The dashboard: a page served by the backend with its style and script (nothing from
elsewhere), from ``api/templates/dashboard.html`` and ``api/static/``. Its small script reads the
same JSON endpoints an analyst would (``/indicators``, ``/registers/summary``,
``/reports/movements``, ``/indicators/by-unit``, ``/reference/units``) and draws the charts as
inline SVG, every number also carried as a ``data-*`` attribute."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.dependencies import ContainerDep, today
from api.problems import problem_responses
from application.demo import holds_demo_data
from domain.indicators import plan
from domain.limits import MAX_YEAR, MIN_YEAR
from domain.units import PROVINCE_CODE

router = APIRouter(tags=["dashboard"])
# Beside the package's modules, so an installed package finds them too.
templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
templates.env.keep_trailing_newline = True  # the page as it always ended


def dashboard_config(built: ContainerDep, on: date, area: str | None, year: int | None) -> Any:
    the_plan = plan()
    province = built.units.get(PROVINCE_CODE)
    chosen = area if area and built.units.get(area) is not None else PROVINCE_CODE
    last = max(on.year, the_plan.last_year)
    return {
        "province": {"code": PROVINCE_CODE, "name": province.name if province else PROVINCE_CODE},
        # A year still running is shown up to today, not as if it had ended.
        "today": on.isoformat(),
        "sample": holds_demo_data(built.case_files),
        # From the province down to the chosen unit: the selectors to set on load.
        "chain": list(reversed(built.units.ancestors(chosen))),
        "year": year if year is not None and the_plan.first_year <= year <= last else on.year,
        "years": list(range(the_plan.first_year, last + 1)),
        "plan": {
            "name": the_plan.name,
            "baseline": the_plan.baseline.isoformat(),
            "first_year": the_plan.first_year,
            "last_year": the_plan.last_year,
            "indicators": [
                {
                    "code": i.code,
                    "name": i.name,
                    "name_vi": i.name_vi,
                    "unit": i.unit,
                    "target": i.target,
                    "comparison": i.comparison,
                    "count_target": i.count_target,
                    "trend": i.trend,
                }
                for i in the_plan.indicators
            ],
        },
    }


@router.get(
    "/dashboard", response_class=HTMLResponse, responses=problem_responses(422, public=True)
)
def dashboard(
    request: Request,
    built: ContainerDep,
    on: Annotated[date, Depends(today)],
    area: Annotated[str | None, Query(description="unit to show first")] = None,
    year: Annotated[
        int | None, Query(ge=MIN_YEAR, le=MAX_YEAR, description="year to show first")
    ] = None,
) -> HTMLResponse:
    """The province's, a district's or a commune's indicators against the plan's targets, the
    registers' sizes and the year's movements, for a laptop or a phone."""
    config = json.dumps(dashboard_config(built, on, area, year), ensure_ascii=False)
    # The config sits in a <script> element: "</" inside it would end the element.
    return templates.TemplateResponse(
        request,
        "dashboard.html",
        {"config": config.replace("</", "<\\/")},
        headers={"Cache-Control": "no-store"},
    )
