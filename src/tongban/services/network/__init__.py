"""The service network (服务网络): departments and centres, and their read side."""
