# 24-hour times: operators and visitors compare them with logs and clocks.
DATE_FORMAT = "M j, Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "M j, Y, H:i"
SHORT_DATE_FORMAT = "Y-m-d"
MONTH_DAY_FORMAT = "M j"
YEAR_MONTH_FORMAT = "F Y"
