FUNCTION z_tandem_outbox_insert.
*"----------------------------------------------------------------------
*"*"Update Function Module:
*"
*"*"Local Interface:
*"  IMPORTING
*"     VALUE(IT_ROWS) TYPE  ZTANDEM_OUTBOX_T
*"----------------------------------------------------------------------
  " Runs in the update task of the LUW that changed the object: the event is stored exactly when
  " the change is. A duplicate id (repeated update) is ignored rather than failing the update.
  INSERT ztandem_outbox FROM TABLE @it_rows ACCEPTING DUPLICATE KEYS.

ENDFUNCTION.
