"""Where an item can be done nearby: the items each centre handles, the 15-minute service circle
(15 分钟政务服务圈) per item, and the nearest centre open now that handles an item.  It joins
the catalogue (where items are handled) and the network (centres, people, places)."""
