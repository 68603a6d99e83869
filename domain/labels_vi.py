"""Vietnamese labels of the codes the reports and exports show (reference data, no rules).

Officials read the reports in Vietnamese; the codes stay English in the data and the API.
"""

from __future__ import annotations

STATUS_VI = {
    "poor": "Hộ nghèo",
    "near_poor": "Hộ cận nghèo",
    "newly_escaped": "Hộ mới thoát nghèo",
    "average": "Hộ có mức sống trung bình",
    "none": "Chưa xác định",
}
SOURCE_VI = {
    "central_investment": "Ngân sách trung ương (vốn đầu tư phát triển)",
    "central_recurrent": "Ngân sách trung ương (vốn sự nghiệp)",
    "local": "Ngân sách địa phương",
    "mobilized": "Vốn huy động hợp pháp khác",
}
# The units the plan's indicators are measured in.
UNITS_VI = {"%": "%", "pp": "điểm %", "households": "hộ", "models": "mô hình"}

# The movement report's figures (Circular 07/2021/TT-BLĐTBXH): (field, Vietnamese heading).
POOR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("start", "Đầu kỳ"),
    ("new_poverty", "Phát sinh mới"),
    ("re_poverty", "Tái nghèo"),
    ("escaped", "Thoát nghèo"),
    ("end", "Cuối kỳ"),
)
NEAR_POOR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("start", "Đầu kỳ"),
    ("new_near_poverty", "Phát sinh mới"),
    ("from_poverty", "Từ hộ nghèo"),
    ("escaped", "Thoát cận nghèo"),
    ("to_poverty", "Chuyển thành hộ nghèo"),
    ("end", "Cuối kỳ"),
)
STATUS_GROUPS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("poor", "Hộ nghèo", POOR_COLUMNS),
    ("near_poor", "Hộ cận nghèo", NEAR_POOR_COLUMNS),
)

DEPRIVATION_NAMES_VI: dict[str, str] = {
    "employment": "Việc làm",
    "dependants": "Người phụ thuộc",
    "nutrition": "Dinh dưỡng",
    "health_insurance": "Bảo hiểm y tế",
    "health_access": "Tiếp cận dịch vụ y tế",
    "adult_education": "Trình độ giáo dục người lớn",
    "child_school_attendance": "Tình trạng đi học của trẻ em",
    "housing_quality": "Chất lượng nhà ở",
    "housing_area": "Diện tích nhà ở bình quân đầu người",
    "domestic_water": "Nguồn nước sinh hoạt",
    "sanitation": "Nhà tiêu hợp vệ sinh",
    "telecommunication": "Sử dụng dịch vụ viễn thông",
    "information_access": "Phương tiện phục vụ tiếp cận thông tin",
}
# The dimensions of Decree 07/2021 (QĐ 59/2015's "access to health services" under health).
DIMENSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Việc làm", ("employment", "dependants")),
    ("Y tế", ("nutrition", "health_insurance", "health_access")),
    ("Giáo dục", ("adult_education", "child_school_attendance")),
    ("Nhà ở", ("housing_quality", "housing_area")),
    ("Nước sinh hoạt và vệ sinh", ("domestic_water", "sanitation")),
    ("Thông tin", ("telecommunication", "information_access")),
)
OTHER_DIMENSION = "Khác"
