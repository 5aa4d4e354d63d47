"""The catalogue (事项目录): items and versions, import/export, search, three lists, figures."""
