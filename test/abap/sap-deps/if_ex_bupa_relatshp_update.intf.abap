"! For abaplint only (not part of the abapGit package): SAP's interface of the classic BAdI
"! BUPA_RELATSHP_UPDATE, declared as far as ZCL_IM_TANDEM_RELATSHP uses it, so that the
"! implementation is syntax-checked. In SAP the standard interface is used.
INTERFACE if_ex_bupa_relatshp_update PUBLIC.
  METHODS change_before_update
    IMPORTING
      it_changed_instances TYPE STANDARD TABLE.
ENDINTERFACE.
