"""Reference data the demo draws from: ethnic groups, names, villages, what supports buy."""

from __future__ import annotations

# The official list of Vietnam's ethnic groups and their codes (Decision 121-TCTK/PPCĐ of
# 2 March 1979, used by the statistics office and the population registers). Only some are used
# below; the whole list is here so that the codes can be checked against the source.
ETHNIC_GROUPS: dict[str, str] = {
    "01": "Kinh",
    "02": "Tày",
    "03": "Thái",
    "04": "Hoa",
    "05": "Khơ-me",
    "06": "Mường",
    "07": "Nùng",
    "08": "Hmông (H'Mông, Mông)",
    "09": "Dao",
    "10": "Gia-rai",
    "11": "Ngái",
    "12": "Ê-đê",
    "13": "Ba-na",
    "14": "Xơ-đăng",
    "15": "Sán Chay (Cao Lan – Sán Chỉ)",
    "16": "Cơ-ho",
    "17": "Chăm",
    "18": "Sán Dìu",
    "19": "Hrê",
    "20": "Mnông",
    "21": "Ra-glai",
    "22": "Xtiêng",
    "23": "Bru-Vân Kiều",
    "24": "Thổ",
    "25": "Giáy",
    "26": "Cơ-tu",
    "27": "Gié-Triêng",
    "28": "Mạ",
    "29": "Khơ-mú",
    "30": "Co",
    "31": "Tà-ôi",
    "32": "Chơ-ro",
    "33": "Kháng",
    "34": "Xinh-mun",
    "35": "Hà Nhì",
    "36": "Chu-ru",
    "37": "Lào",
    "38": "La Chí",
    "39": "La Ha",
    "40": "Phù Lá",
    "41": "La Hủ",
    "42": "Lự",
    "43": "Lô Lô",
    "44": "Chứt",
    "45": "Mảng",
    "46": "Pà Thẻn",
    "47": "Co Lao",
    "48": "Cống",
    "49": "Bố Y",
    "50": "Si La",
    "51": "Pu Péo",
    "52": "Brâu",
    "53": "Ơ-đu",
    "54": "Rơ-măm",
    "55": "Người nước ngoài (foreigner)",
}
KINH = "01"
HMONG = "08"


def _words(text: str, separator: str = " ") -> tuple[str, ...]:
    return tuple(text.split(separator))


SURNAMES: dict[str, tuple[str, ...]] = {
    code: _words(names)
    for code, names in {
        KINH: "Nguyễn Nguyễn Nguyễn Trần Lê Phạm Hoàng Vũ Đỗ Ngô Dương Đặng Bùi Đinh Lương Trịnh "
        "Phan Lưu Tạ Hà",
        "02": "Hoàng Nông Ma Lương Triệu Hà Lục Dương Âu Mạc",
        "03": "Lò Cầm Vi Lường Hà",
        "04": "Lý Trương Hoàng Lưu Trần Quan",
        "06": "Bùi Đinh Quách Hà Xa",
        "07": "Hoàng Nông Lăng Mông Chu Vi Lục Hứa",
        HMONG: "Giàng Vàng Sùng Lý Thào Hầu Mùa Lầu",
        "09": "Triệu Bàn Đặng Lý Phùng Chảo Lò",
        "15": "Trần Hoàng Lâm Lưu Đàm Hà Ninh",
        "18": "Trương Diệp Lam Lý Tạ Đặng Ninh Phạm",
    }.items()
}
KINH_MIDDLE = {
    "male": _words("Văn Văn Đức Minh Quang Xuân"),
    "female": _words("Thị Thị Thị Thị Ngọc Thu Thanh"),
}
GIVEN = {
    "male": _words(
        "Hùng Dũng Tuấn Minh Nam Hải Long Thắng Quang Sơn Cường Hòa Bình Phúc Đức Tiến Thành "
        "Trung Khánh An Huy Toàn Lâm Kiên Vinh Hưng Tùng Quý Chiến Thái"
    ),
    "female": _words(
        "Lan Hương Hoa Mai Hạnh Thu Hà Linh Huyền Thảo Nga Yến Loan Nhung Trang Hằng Dung "
        "Phương Ngọc Vân Liên Thủy Hiền Oanh Quyên Chi Tâm Xuân Duyên Hồng"
    ),
}
HMONG_GIVEN = {
    "male": _words("Páo Sùng Chứ Pó Dình Lử Chính Sính Tủa Vảng"),
    "female": _words("Mỷ Dợ Sua Chá Mai Sinh Pàng Dở Mỉ Say"),
}
VILLAGE_NAMES = _words(
    "Đồng Tâm, Tân Lập, Làng Mới, Na Mọn, Khuôn Nanh, Bản Quyên, Đồng Bầu, Cây Thị, Làng Lớn, "
    "Đèo Khế, Trung Tâm, Đồng Chùa, Bãi Bằng, Gốc Gạo, Tiến Bộ, Thống Nhất, Na Hoàng, Khe Cốc, "
    "Đồng Danh, Pác Ngòi, Làng Chẽ, Tân Thành, Đồng Kiệm, Bờ Đậu, Hồng Phong, Nà Mạt, Cầu Tre, "
    "Đồng Lường, Xuân Hòa, Khe Vàng",
    ", ",
)

# Livelihood models (domain.md §5: a livelihood_model support names its model): kind, unit,
# quantity range, and what the programme pays per unit (VND). A model is one commune's project in
# one year, so its name says both.
LIVELIHOOD_MODELS: tuple[tuple[str, str, int, int, int], ...] = (
    ("Nuôi bò sinh sản", "con", 1, 2, 18_000_000),
    ("Nuôi lợn nái", "con", 1, 2, 5_000_000),
    ("Nuôi gà thả đồi", "con", 50, 200, 80_000),
    ("Trồng chè VietGAP", "cây", 500, 2000, 3_000),
    ("Trồng bưởi", "cây", 40, 150, 50_000),
    ("Trồng keo lai", "cây", 1000, 3000, 1_500),
    ("Nuôi ong lấy mật", "đàn", 5, 20, 1_000_000),
    ("Nuôi cá ao", "kg", 50, 200, 50_000),
)
LIVESTOCK_MODELS = ("Nuôi bò sinh sản", "Nuôi lợn nái")  # also funded by central investment
# Agricultural production support: unit, quantity range and step, price per unit (VND).
AGRICULTURAL_INPUTS: tuple[tuple[str, int, int, int, int], ...] = (
    ("kg phân bón", 100, 500, 50, 12_000),
    ("kg giống lúa", 20, 60, 5, 35_000),
    ("cây giống", 100, 1000, 100, 8_000),
)
TRAINING_PER_MONTH = (1_200_000, 1_500_000, 1_800_000)  # VND: a short course's fees and meals
DEVICES: tuple[tuple[str, int], ...] = (
    ("bộ thu thanh", 1_200_000),
    ("ti vi", 5_500_000),
    ("điện thoại thông minh", 3_500_000),
)
HOUSING_AMOUNTS = tuple(range(40_000_000, 60_000_001, 5_000_000))
REVERSAL_REASONS = (
    "Ghi nhầm hộ nhận hỗ trợ",
    "Hộ không nhận, kinh phí đã nộp trả",
    "Hộ chuyển đi trước khi nhận hỗ trợ",
)
DUPLICATE_REASON = "Trùng với hỗ trợ đã ghi"

STATUS_VI: dict[str, str] = {
    "poor": "hộ nghèo",
    "near_poor": "hộ cận nghèo",
    "average": "hộ có mức sống trung bình",
    "none": "hộ không thuộc diện nghèo, cận nghèo",
}
SOURCE_NAMES = {
    "central_investment": "vốn đầu tư phát triển ngân sách trung ương",
    "central_recurrent": "vốn sự nghiệp ngân sách trung ương",
    "local": "vốn đối ứng ngân sách địa phương",
    "mobilized": "nguồn vận động Quỹ Vì người nghèo",
}
