"""What the demo ledger's entries are about: goods bought and sold by proxy, billers, life services
(docs/demo.md, "Ledger"). Prices are typical 2017–2018 rural prices in yuan."""

from xiangcun.stations.choices import Marketplace as M
from xiangcun.stations.choices import PaymentMethod as P

# Proxy purchases (网货下乡): (name, median unit price, weight, most units per order).
PURCHASES = (
    ("洗衣液", 35, 8, 3),
    ("卫生纸", 30, 7, 3),
    ("食用油", 60, 5, 2),
    ("儿童服装", 55, 8, 3),
    ("女装", 75, 7, 2),
    ("男鞋", 90, 5, 1),
    ("床上四件套", 120, 3, 1),
    ("奶粉", 180, 4, 2),
    ("纸尿裤", 90, 5, 2),
    ("零食礼盒", 45, 5, 2),
    ("手机配件", 25, 5, 2),
    ("智能手机", 999, 1.2, 1),
    ("小家电", 160, 3, 1),
    ("电动车电瓶", 420, 1, 1),
    ("复合肥（50公斤）", 150, 2.5, 4),
    ("玉米种子", 55, 2, 4),
    ("小麦种子", 80, 1.5, 4),
    ("农药", 40, 2.5, 3),
    ("五金工具", 50, 3, 2),
    ("厨具", 65, 3, 1),
    ("学生文具", 20, 4, 3),
    ("保健品", 130, 1.5, 1),
    ("电动三轮车", 3800, 0.15, 1),
    ("小型农机", 6500, 0.05, 1),
)
# Proxy sales (农村产品上行), Daming's products: (name, median unit price, weight, most units, months).
SALES = (
    ("大名小磨香油", 38, 10, 6, range(1, 13)),
    ("二毛烧鸡", 45, 6, 6, range(1, 13)),
    ("大名花生", 12, 8, 20, (1, 2, 3, 9, 10, 11, 12)),
    ("红薯", 4, 6, 30, (1, 2, 3, 9, 10, 11, 12)),
    ("小米", 9, 6, 20, (1, 2, 9, 10, 11, 12)),
    ("新麦面粉", 3.5, 8, 50, (6, 7, 8)),
    ("大蒜", 6, 5, 30, (5, 6, 7)),
    ("草莓", 25, 5, 6, (1, 2, 3, 4, 5, 12)),
    ("郭八火烧", 3, 4, 40, range(1, 13)),
    ("手工挂面", 8, 4, 20, range(1, 13)),
    ("土鸡蛋", 1.2, 5, 120, range(1, 13)),
    ("香椿芽", 30, 2, 5, (3, 4)),
)
PURCHASE_MARKETS = (
    (M.TAOBAO, 38),
    (M.PINDUODUO, 20),
    (M.JD, 18),
    (M.SUNING, 5),
    (M.CHAOJICUNZHANG, 9),
    (M.WEIDIAN, 4),
    (M.POVERTY_CHANNEL, 3),
    (M.OTHER, 3),
)
SALE_MARKETS = (
    (M.POVERTY_CHANNEL, 25),
    (M.TAOBAO, 25),
    (M.WEIDIAN, 18),
    (M.CHAOJICUNZHANG, 15),
    (M.JD, 9),
    (M.PINDUODUO, 8),
)
# Bill payments: (description, biller, reference prefix, weight).
BILLS = (
    ("电费", "国网大名县供电公司", "SGCC", 40),
    ("水费", "大名县自来水公司", "DMWS", 10),
    ("话费充值（移动）", "中国移动河北公司", "CMCC", 22),
    ("话费充值（联通）", "中国联通河北公司", "CUCC", 10),
    ("宽带费（电信）", "中国电信河北公司", "CTCC", 6),
    ("城乡居民医保缴费", "大名县医疗保障局", "YB", 8),
    ("城乡居民养老保险缴费", "大名县社会保险事业局", "YL", 4),
)
PHONE_TOPUPS = (30, 50, 50, 100, 100, 200)
PENSION_LEVELS = (100, 100, 200, 300, 500, 1000)
MEDICAL_PREMIUM = {2017: 180, 2018: 220}  # yuan per person and year
# Banks behind the cash-withdrawal points (助农取款服务点).
BANKS = (("河北省农村信用社", "NX"), ("中国邮政储蓄银行", "YC"), ("中国农业银行", "NH"))
# Referrals: (description, median amount, weight, is credit).
REFERRALS = (
    ("农业保险（小麦）", 18 * 8, 4, False),
    ("农业保险（玉米）", 15 * 8, 3, False),
    ("意外伤害保险", 100, 3, False),
    ("扶贫小额信贷", 50000, 0.5, True),
    ("农户小额贷款", 30000, 0.5, True),
)
# Life services: (description, median amount, fee share, weight).
LIFE = (
    ("快递代发", 12, 0.25, 10),
    ("打印复印", 3, 1.0, 6),
    ("火车票代购", 160, 0.03, 3),
    ("汽车票代购", 40, 0.05, 3),
    ("家电维修预约", 0, 0, 2),
    ("招聘信息登记", 0, 0, 1),
)
PAYMENTS = {
    # kind → {year: ((method, weight), …)}: WeChat Pay gains on cash from 2017 to 2018.
    "proxy_purchase": {
        2017: ((P.CASH, 40), (P.WECHAT, 35), (P.ALIPAY, 22), (P.BANK_CARD, 3)),
        2018: ((P.CASH, 27), (P.WECHAT, 46), (P.ALIPAY, 24), (P.BANK_CARD, 3)),
    },
    "proxy_sale": {
        2017: ((P.WECHAT, 40), (P.BANK_CARD, 35), (P.CASH, 25)),
        2018: ((P.WECHAT, 52), (P.BANK_CARD, 30), (P.CASH, 18)),
    },
    "bill_payment": {
        2017: ((P.CASH, 62), (P.WECHAT, 28), (P.ALIPAY, 10)),
        2018: ((P.CASH, 50), (P.WECHAT, 38), (P.ALIPAY, 12)),
    },
    "life_service": {
        2017: ((P.CASH, 70), (P.WECHAT, 26), (P.ALIPAY, 4)),
        2018: ((P.CASH, 58), (P.WECHAT, 36), (P.ALIPAY, 6)),
    },
}
# Weight per unit (kg) of what the parcels carry (docs/demo.md, "Logistics").
PURCHASE_KG = {
    "洗衣液": 2.2,
    "卫生纸": 3.0,
    "食用油": 5.0,
    "儿童服装": 0.4,
    "女装": 0.5,
    "男鞋": 1.0,
    "床上四件套": 2.0,
    "奶粉": 1.0,
    "纸尿裤": 2.5,
    "零食礼盒": 1.5,
    "手机配件": 0.2,
    "智能手机": 0.5,
    "小家电": 3.0,
    "电动车电瓶": 15.0,
    "复合肥（50公斤）": 50.0,
    "玉米种子": 2.0,
    "小麦种子": 20.0,
    "农药": 1.0,
    "五金工具": 1.5,
    "厨具": 2.0,
    "学生文具": 0.5,
    "保健品": 0.8,
    "电动三轮车": 120.0,
    "小型农机": 300.0,
}
SALE_KG = {
    "大名小磨香油": 0.5,
    "二毛烧鸡": 0.75,
    "大名花生": 1.0,
    "红薯": 1.0,
    "小米": 1.0,
    "新麦面粉": 1.0,
    "大蒜": 1.0,
    "草莓": 0.5,
    "郭八火烧": 0.1,
    "手工挂面": 1.0,
    "土鸡蛋": 0.06,
    "香椿芽": 0.5,
}
# Fresh products travel in the cold chain (冷链).
COLD_CHAIN = frozenset({"二毛烧鸡", "草莓", "香椿芽"})
