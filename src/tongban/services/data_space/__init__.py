"""The personal data space (个人数据空间): grants, guarded reads, 表单秒填 and 材料秒报."""
