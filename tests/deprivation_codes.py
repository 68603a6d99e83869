"""The deprivation indicators of each standard, written out from domain.md §3.2–§3.3 (tests
state the specification themselves rather than read it from the code under test)."""

ND07 = (
    "employment",
    "dependants",
    "nutrition",
    "health_insurance",
    "adult_education",
    "child_school_attendance",
    "housing_quality",
    "housing_area",
    "domestic_water",
    "sanitation",
    "telecommunication",
    "information_access",
)
QD59 = (
    "health_access",
    "health_insurance",
    "adult_education",
    "child_school_attendance",
    "housing_quality",
    "housing_area",
    "domestic_water",
    "sanitation",
    "telecommunication",
    "information_access",
)
