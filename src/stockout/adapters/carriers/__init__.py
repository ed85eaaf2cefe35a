"""Carrier tracking pushes (kuaidi100, 快递鸟): signatures checked over the raw body, traces read
into scans. Pure; which order a waybill belongs to is the push service's business."""
