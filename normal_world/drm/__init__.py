"""DRM on the normal-world side: the CDM client of the DRM TA (:mod:`.cdm`), a
reference license server (:mod:`.license_server`) and a CENC packager
(:mod:`.packager`). The formats they share are :mod:`tee.abi.drm`."""
